/**
 * What one view sees of the records at one name: visibility (R18) first, then the choice of
 * cluster (R17) and namespace (R13.6). Forward lookups (view-lookup.ts) and PTR
 * (reverse-lookup.ts) share it, so a PTR names a host only where the host answers with that
 * address. Work is proportional to the records at the name, never to the registry.
 */
import {
  EndpointRecord,
  EntryRecord,
  ServiceRecord,
  endpointsAt,
  entriesAt,
  servicesAt,
  type Addresses,
  type NameNode,
  type OneOrMore,
} from './records.ts'
import type { View } from './views.ts'
import { isVisible, type Visibility } from './visibility.ts'

export function isEmpty(addresses: Addresses): boolean {
  return addresses.v4.length === 0 && addresses.v6.length === 0
}

interface MutableAddresses extends Addresses {
  v4: string[]
  v6: string[]
}

/** Adds `from` to `into` without repeats; `known` holds what `into` already has. */
function merge(into: MutableAddresses, known: Set<string>, from: Addresses): void {
  for (const ip of from.v4) {
    if (known.has(ip)) continue
    known.add(ip)
    into.v4.push(ip)
  }
  for (const ip of from.v6) {
    if (known.has(ip)) continue
    known.add(ip)
    into.v6.push(ip)
  }
}

/** A Service as the view sees it. `ttl` is one per RRset (RFC 2181 §5.2): the smallest merged. */
export interface PickedService {
  record: ServiceRecord
  addresses: Addresses
  /** SRV targets (R6.2, R6.3). */
  targets: readonly string[]
  ttl: number
}

export interface PickedAddresses {
  addresses: Addresses
  ttl: number
  /** Of a snapshot the records come from, for an SOA owned by a name outside the zones (R10.2). */
  serial: number
}

export interface PickedEntries extends PickedAddresses {
  namespace: string
}

/** What an exact name answers for the view. */
export type Choice =
  | { kind: 'service'; service: PickedService }
  | { kind: 'entries'; entries: PickedEntries }
  | { kind: 'endpoint'; endpoint: PickedAddresses }

export class ViewPicker {
  constructor(readonly view: View) {}

  visible(visibility: Visibility): boolean {
    return isVisible(visibility, this.view.namespace)
  }

  /** exportTo, and whether the record's cluster is one this view may hear from (publish-policy.ts). */
  sees(visibility: Visibility, cluster: string, namespace: string): boolean {
    const scope = this.view.scope
    return (scope === undefined || scope.sees(this.view.cluster, cluster, namespace)) && this.visible(visibility)
  }

  /** R17.1–R17.3, R4.4: visible records; ClusterIPs from one cluster, headless endpoints merged. */
  service(records: OneOrMore<ServiceRecord>): PickedService | undefined {
    if (records === undefined) return undefined
    if (records instanceof ServiceRecord) {
      // One record: its lists are already without repeats, so they are the merged answer.
      if (!this.sees(records.visibility, records.cluster, records.namespace)) return undefined
      if (records.kind !== 'headless')
        return { record: records, addresses: records.addresses, targets: [records.fqdn], ttl: records.ttl }
      if (isEmpty(records.addresses)) return undefined
      return { record: records, addresses: records.addresses, targets: records.endpointNames, ttl: records.ttl }
    }
    const visible = records.filter((s) => this.sees(s.visibility, s.cluster, s.namespace))
    if (visible.length === 0) return undefined
    const record = visible.find((s) => s.cluster === this.view.cluster) ?? visible[0]!
    if (record.kind !== 'headless')
      return { record, addresses: record.addresses, targets: [record.fqdn], ttl: record.ttl }
    const addresses: MutableAddresses = { v4: [], v6: [] }
    const known = new Set<string>()
    const targets = new Set<string>()
    let ttl = Infinity
    for (const s of visible) {
      if (s.kind !== 'headless' || isEmpty(s.addresses)) continue
      merge(addresses, known, s.addresses)
      for (const target of s.endpointNames) targets.add(target)
      ttl = Math.min(ttl, s.ttl)
    }
    if (isEmpty(addresses)) return undefined
    return { record, addresses, targets: [...targets], ttl }
  }

  /** R17.4: an endpoint name answers the view cluster's endpoints, else every cluster's. */
  endpoint(records: OneOrMore<EndpointRecord>, hostnamesOnly = false): PickedAddresses | undefined {
    if (records === undefined) return undefined
    if (records instanceof EndpointRecord) {
      const service = records.service
      if (
        (hostnamesOnly && !records.fromHostname) ||
        !this.sees(service.visibility, service.cluster, service.namespace)
      )
        return undefined
      return { addresses: records.addresses, ttl: records.service.ttl, serial: records.service.serial }
    }
    const visible = records.filter(
      (e) =>
        (!hostnamesOnly || e.fromHostname) && this.sees(e.service.visibility, e.service.cluster, e.service.namespace)
    )
    if (visible.length === 0) return undefined
    const local = visible.filter((e) => e.service.cluster === this.view.cluster)
    const chosen = local.length > 0 ? local : visible
    const addresses: MutableAddresses = { v4: [], v6: [] }
    const known = new Set<string>()
    let ttl = chosen[0]!.service.ttl
    for (const e of chosen) {
      merge(addresses, known, e.addresses)
      ttl = Math.min(ttl, e.service.ttl)
    }
    return { addresses, ttl, serial: chosen[0]!.service.serial }
  }

  /** R13.2, R13.7: spec VIPs, this host's auto-allocated VIPs if the view uses them, else endpoints. */
  entryAddresses(entry: EntryRecord): Addresses {
    if (!this.view.autoAllocatedVIPs || isEmpty(entry.hostVips))
      return isEmpty(entry.vips) ? entry.endpoints : entry.vips
    const addresses: MutableAddresses = { v4: [], v6: [] }
    const known = new Set<string>()
    merge(addresses, known, entry.vips)
    merge(addresses, known, entry.hostVips)
    return addresses
  }

  /**
   * R17.5: one cluster (the view's, else the first by name), R13.6: one namespace (the view's,
   * else the lowest), R13.3: whose entries merge. The choice is made among visible entries
   * before their addresses are looked at, so a view is never handed the VIP of a cluster or
   * namespace that lost; R13.2: when the winners have no usable address, nothing answers.
   */
  entries(records: OneOrMore<EntryRecord>): PickedEntries | undefined {
    if (records === undefined) return undefined
    if (records instanceof EntryRecord) {
      if (!this.sees(records.visibility, records.cluster, records.namespace)) return undefined
      const addresses = this.entryAddresses(records)
      if (isEmpty(addresses)) return undefined
      return { addresses, ttl: records.ttl, serial: records.serial, namespace: records.namespace }
    }
    const visible = records.filter((e) => this.sees(e.visibility, e.cluster, e.namespace))
    if (visible.length === 0) return undefined
    const cluster = visible.some((e) => e.cluster === this.view.cluster) ? this.view.cluster : visible[0]!.cluster
    const inCluster = visible.filter((e) => e.cluster === cluster)
    const namespace = inCluster.some((e) => e.namespace === this.view.namespace)
      ? this.view.namespace!
      : inCluster.reduce((min, e) => (e.namespace < min ? e.namespace : min), inCluster[0]!.namespace)
    const addresses: MutableAddresses = { v4: [], v6: [] }
    const known = new Set<string>()
    for (const e of inCluster) if (e.namespace === namespace) merge(addresses, known, this.entryAddresses(e))
    if (isEmpty(addresses)) return undefined
    return { addresses, ttl: inCluster[0]!.ttl, serial: inCluster[0]!.serial, namespace }
  }

  /**
   * R13.5: a Service beats a ServiceEntry for its own name; R13.6: unless the entry is in the
   * view's namespace and the Service is not. An endpoint name holds neither.
   */
  choose(node: NameNode): Choice | undefined {
    const service = this.service(servicesAt(node))
    const entries = this.entries(entriesAt(node))
    const namespace = this.view.namespace
    if (service && !(entries && entries.namespace === namespace && service.record.namespace !== namespace)) {
      return { kind: 'service', service }
    }
    if (entries) return { kind: 'entries', entries }
    const endpoint = this.endpoint(endpointsAt(node))
    return endpoint && { kind: 'endpoint', endpoint }
  }
}
