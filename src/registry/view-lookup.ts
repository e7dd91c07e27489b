/**
 * The decision order of R2.2 for one view: zones first, then ServiceEntry hosts outside them,
 * aliases (R15), the search-domain shortcut (R16) and reverse names (R7). Every step is a
 * constant number of map lookups per label of the question: no scan over services.
 */
import { formatIp, parseReverseName, samePrefix } from '../dns/ip.ts'
import type { Found, Lookup, NameLookup, NegativeSoa } from '../dns/lookup.ts'
import { isAtOrBelow } from '../dns/names.ts'
import {
  addressFound,
  apexFound,
  cnameFound,
  emptyFound,
  ptrFound,
  schemaVersionFound,
  soaFor,
  srvFound,
} from './found.ts'
import type { Addresses, EndpointRecord, EntryRecord, NameNode, ServiceRecord } from './records.ts'
import type { Registry } from './registry.ts'
import type { View } from './views.ts'
import { isVisible } from './visibility.ts'

const NOT_OWNED: Lookup = Object.freeze({ kind: 'not-owned' })
const NOT_READY: Lookup = Object.freeze({ kind: 'not-ready' })

function union(into: Addresses, from: Addresses): void {
  for (const ip of from.v4) if (!into.v4.includes(ip)) into.v4.push(ip)
  for (const ip of from.v6) if (!into.v6.includes(ip)) into.v6.push(ip)
}

function isEmpty(addresses: Addresses): boolean {
  return addresses.v4.length === 0 && addresses.v6.length === 0
}

function parentOf(name: string): string | undefined {
  const dot = name.indexOf('.')
  return dot < 0 ? undefined : name.slice(dot + 1)
}

/** A Service as one view sees it, after visibility and the choice of cluster (R17). */
interface PickedService {
  record: ServiceRecord
  addresses: Addresses
  targets: string[]
}

export class ViewLookup implements NameLookup {
  constructor(
    private readonly registry: Registry,
    private readonly view: View
  ) {}

  lookup(name: string): Lookup {
    return this.find(name, true)
  }

  private find(name: string, withSearch: boolean): Lookup {
    const registry = this.registry
    if (!registry.ready) return isAtOrBelow(name, registry.data.defaultDomain) ? NOT_READY : NOT_OWNED
    const zone = registry.zoneOf(name)
    if (zone !== undefined) {
      const found = this.inZone(name, zone) ?? (withSearch ? this.searchShortcut(name) : undefined)
      return found ?? { kind: 'nxdomain', soa: registry.soa(zone) }
    }
    return (
      this.host(name) ??
      this.wildcard(name, undefined) ??
      this.alias(name) ??
      (withSearch ? this.searchShortcut(name) : undefined) ??
      this.reverse(name) ??
      NOT_OWNED
    )
  }

  // R2.2 step 1: everything at or under a zone.
  private inZone(name: string, zone: string): Lookup | undefined {
    const soa = this.registry.soa(zone)
    const node = this.registry.data.names.get(name)
    if (node !== undefined) {
      const found = this.fromNode(node, name, zone, soa)
      if (found) return found
    }
    return this.srv(name, soa) ?? this.wildcard(name, soa)
  }

  private fromNode(node: NameNode, name: string, zone: string, soa: NegativeSoa): Found | undefined {
    const service = this.pickService(node.services)
    const entries = this.pickEntries(node.entries)
    // R13.5 a Service beats a ServiceEntry for its own name; R13.6 unless the entry is in
    // the view's namespace and the Service is not.
    if (service && !(entries && entries.namespace === this.view.namespace && service.record.namespace !== this.view.namespace)) {
      return this.serviceFound(service, soa)
    }
    if (entries) return addressFound(entries.addresses, entries.ttl, soa)
    const endpoint = this.pickEndpoint(node.endpoints)
    if (endpoint) return addressFound(endpoint.addresses, endpoint.ttl, soa)
    if (node.schemaVersion) return schemaVersionFound(soa)
    if (name === zone) return apexFound(soa, this.registry.data.zones.get(zone)!.ttl)
    if (node.always) return emptyFound(soa)
    if (node.below && isVisible(node.below, this.view.namespace)) return emptyFound(soa)
    return undefined
  }

  private serviceFound(service: PickedService, soa: NegativeSoa | undefined): Found {
    const { record } = service
    if (record.kind === 'external') return cnameFound(record.externalName!, record.ttl, soa)
    return addressFound(service.addresses, record.ttl, soa, { ports: record.ports, targets: service.targets })
  }

  /** R17.1–R17.3, R4.4: visible records; ClusterIPs from one cluster, headless endpoints merged. */
  private pickService(services: ServiceRecord[] | undefined): PickedService | undefined {
    if (services === undefined) return undefined
    const visible = services.filter((s) => isVisible(s.visibility, this.view.namespace))
    if (visible.length === 0) return undefined
    const record = visible.find((s) => s.cluster === this.view.cluster) ?? visible[0]!
    if (record.kind !== 'headless') return { record, addresses: record.addresses, targets: [record.fqdn] }
    const addresses: Addresses = { v4: [], v6: [] }
    const labels: string[] = []
    for (const s of visible) {
      if (s.kind !== 'headless') continue
      union(addresses, s.addresses)
      for (const label of s.endpointLabels) if (!labels.includes(label)) labels.push(label)
    }
    if (isEmpty(addresses)) return undefined
    return { record, addresses, targets: labels.map((l) => `${l}.${record.fqdn}`) }
  }

  /** R17.4: an endpoint name answers the view cluster's endpoints, else every cluster's. */
  private pickEndpoint(endpoints: EndpointRecord[] | undefined): { addresses: Addresses; ttl: number } | undefined {
    if (endpoints === undefined) return undefined
    const visible = endpoints.filter((e) => isVisible(e.service.visibility, this.view.namespace))
    if (visible.length === 0) return undefined
    const local = visible.filter((e) => e.service.cluster === this.view.cluster)
    const chosen = local.length > 0 ? local : visible
    const addresses: Addresses = { v4: [], v6: [] }
    for (const e of chosen) union(addresses, e.addresses)
    return { addresses, ttl: chosen[0]!.service.ttl }
  }

  /** R13.2: the addresses one entry answers for this view. */
  private entryAddresses(entry: EntryRecord): Addresses {
    const addresses: Addresses = { v4: [...entry.vips.v4], v6: [...entry.vips.v6] }
    if (this.view.autoAllocatedVIPs) union(addresses, entry.hostVips)
    return isEmpty(addresses) ? entry.endpoints : addresses
  }

  /** R13.3, R13.6, R17.5: one cluster, then one namespace, whose entries merge. */
  private pickEntries(entries: EntryRecord[] | undefined): { addresses: Addresses; ttl: number; namespace: string } | undefined {
    if (entries === undefined) return undefined
    const usable = entries.filter((e) => isVisible(e.visibility, this.view.namespace) && !isEmpty(this.entryAddresses(e)))
    if (usable.length === 0) return undefined
    const cluster = usable.some((e) => e.cluster === this.view.cluster) ? this.view.cluster : usable[0]!.cluster
    const inCluster = usable.filter((e) => e.cluster === cluster)
    const namespace = inCluster.some((e) => e.namespace === this.view.namespace)
      ? this.view.namespace!
      : inCluster.reduce((min, e) => (e.namespace < min ? e.namespace : min), inCluster[0]!.namespace)
    const addresses: Addresses = { v4: [], v6: [] }
    for (const e of inCluster) if (e.namespace === namespace) union(addresses, this.entryAddresses(e))
    return { addresses, ttl: inCluster[0]!.ttl, namespace }
  }

  /** R6: `_<port>._<proto>.<svc>...` and the empty non-terminal `_<proto>.<svc>...` (R10.3). */
  private srv(name: string, soa: NegativeSoa): Found | undefined {
    if (name[0] !== '_') return undefined
    const first = name.indexOf('.')
    const rest = name.slice(first + 1)
    const label = name.slice(1, first)
    if (rest[0] === '_') {
      const second = rest.indexOf('.')
      const protocol = rest.slice(1, second)
      const service = this.pickService(this.registry.data.names.get(rest.slice(second + 1))?.services)
      if (!service || service.record.kind === 'external') return undefined
      const ports = service.record.ports.filter((p) => p.name !== '' && p.name === label && p.protocol === protocol)
      return ports.length > 0 ? srvFound(ports, service.targets, service.record.ttl, soa) : undefined
    }
    const service = this.pickService(this.registry.data.names.get(rest)?.services)
    if (!service || service.record.kind === 'external') return undefined
    return service.record.ports.some((p) => p.name !== '' && p.protocol === label) ? emptyFound(soa) : undefined
  }

  /** R14: the most specific visible wildcard host that covers `name`. */
  private wildcard(name: string, soa: NegativeSoa | undefined): Found | undefined {
    const wildcards = this.registry.data.wildcards
    if (wildcards.size === 0) return undefined
    for (let suffix = parentOf(name); suffix !== undefined; suffix = parentOf(suffix)) {
      const entries = this.pickEntries(wildcards.get(suffix))
      if (entries) return addressFound(entries.addresses, entries.ttl, soa ?? soaFor(name, entries.ttl, 0))
    }
    return undefined
  }

  // R2.2 step 2: a ServiceEntry host outside every zone; its SOA is its own (R10.2).
  private host(name: string): Found | undefined {
    const entries = this.pickEntries(this.registry.data.names.get(name)?.entries)
    return entries ? addressFound(entries.addresses, entries.ttl, soaFor(name, entries.ttl, 0)) : undefined
  }

  /** R15: `<name>.<ns>.`, `<name>.<ns>.svc.` and, in the view's namespace, `<name>.`. */
  private alias(name: string): Found | undefined {
    const domain = this.registry.domainOf(this.view)
    const candidates: string[] = []
    if (name.endsWith('.svc')) candidates.push(`${name}.${domain}`)
    else {
      const labels = name.split('.').length
      if (labels === 2 || labels === 3) candidates.push(`${name}.svc.${domain}`)
      if (this.view.namespace !== undefined && labels <= 2) candidates.push(`${name}.${this.view.namespace}.svc.${domain}`)
    }
    if (!this.registry.data.zones.has(domain)) return undefined
    const soa = this.registry.soa(domain)
    for (const fqdn of candidates) {
      const node = this.registry.data.names.get(fqdn)
      if (node === undefined) continue
      const service = this.pickService(node.services)
      if (service && service.record.kind !== 'external') return this.serviceFound(service, soa)
      const endpoint = this.pickEndpoint(node.endpoints?.filter((e) => e.fromHostname))
      if (endpoint) return addressFound(endpoint.addresses, endpoint.ttl, soa)
    }
    return undefined
  }

  /** R16: `<h>.<search[0]>` answers `CNAME <h>` when h is a name this view gets answers for. */
  private searchShortcut(name: string): Found | undefined {
    const search = this.view.search[0]
    if (search === undefined || !name.endsWith(`.${search}`)) return undefined
    const target = name.slice(0, -(search.length + 1))
    if (isAtOrBelow(target, search)) return undefined
    const found = this.find(target, false)
    if (found.kind !== 'found' || found.nonTerminal || found.cname) return undefined
    return cnameFound(target, found.ttl, found.soa)
  }

  /** R7: PTR for known addresses; NXDOMAIN inside the reverse zones of `serviceCIDRs`. */
  private reverse(name: string): Found | Lookup | undefined {
    const prefix = parseReverseName(name)
    if (prefix === undefined) return undefined
    const reverseZone = this.registry.data.reverseZones.find((z) => isAtOrBelow(name, z.zone))
    const soa = reverseZone && soaFor(reverseZone.zone, reverseZone.ttl, reverseZone.serial)
    if (prefix.complete) {
      const targets = this.ptrTargets(formatIp(prefix.bytes))
      if (targets.length > 0) return ptrFound(targets, soa)
    }
    if (!reverseZone || !soa) return undefined
    if (name === reverseZone.zone) return apexFound(soa, reverseZone.ttl)
    // Names of this reverse zone outside the CIDR, and unknown addresses inside it, do not exist.
    const inside = samePrefix(prefix.bytes, reverseZone.bytes, Math.min(prefix.bits, reverseZone.bits))
    if (!inside || prefix.complete) return { kind: 'nxdomain', soa }
    return emptyFound(soa)
  }

  /** R7.1–R7.4, R17.7: visible owners of an address, the best rank, the view cluster first. */
  private ptrTargets(ip: string): Array<{ target: string; ttl: number }> {
    const candidates = (this.registry.data.ptrs.get(ip) ?? []).filter((p) => {
      if (!isVisible(p.visibility, this.view.namespace)) return false
      if (p.rank !== 2) return true
      if (p.auto && !this.view.autoAllocatedVIPs) return false
      return this.pickService(this.registry.data.names.get(p.target)?.services) === undefined
    })
    if (candidates.length === 0) return []
    const local = candidates.filter((p) => p.cluster === this.view.cluster)
    const pool = local.length > 0 ? local : candidates
    const rank = Math.min(...pool.map((p) => p.rank))
    const out: Array<{ target: string; ttl: number }> = []
    for (const p of pool) if (p.rank === rank && !out.some((o) => o.target === p.target)) out.push({ target: p.target, ttl: p.ttl })
    return out
  }
}
