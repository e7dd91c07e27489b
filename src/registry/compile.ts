/**
 * Compiles the held snapshots into one immutable Registry, once per revision (Istio
 * BuildNameTable). Linear in the size of the snapshots: every name is written once, and its
 * ancestors inside the zone once each.
 */
import { canonicalIp, isIPv6, parseCidr, reverseZonesOf } from '../dns/ip.ts'
import { dashedIpName, isAtOrBelow, normalizeName } from '../dns/names.ts'
import type { Endpoint, Snapshot } from './schema.ts'
import type {
  Addresses,
  EndpointRecord,
  EntryRecord,
  NameNode,
  PtrRecord,
  ReverseZoneRecord,
  ServiceRecord,
  ZoneRecord,
} from './records.ts'
import { Registry } from './registry.ts'
import { shareVisibility, visibilityOf, type Visibility } from './visibility.ts'

export interface CompileOptions {
  defaultDomain: string
}

/**
 * The addresses already in each list being built, so that adding stays O(1) for large lists
 * (linear compile). One per compile: the sets must not outlive it, or they double the index.
 */
type Seen = WeakMap<Addresses, Set<string>>

// Below this length a scan is cheaper than a set.
const SCAN_LIMIT = 8

function addAddress(into: Addresses, text: string, seen: Seen): void {
  const ip = canonicalIp(text.endsWith('/32') || text.endsWith('/128') ? text.slice(0, text.indexOf('/')) : text)
  if (ip === undefined) return
  const list = isIPv6(ip) ? into.v6 : into.v4
  if (into.v4.length + into.v6.length < SCAN_LIMIT) {
    if (!list.includes(ip)) list.push(ip)
    return
  }
  let known = seen.get(into)
  if (known === undefined) seen.set(into, (known = new Set([...into.v4, ...into.v6])))
  if (known.has(ip)) return
  known.add(ip)
  list.push(ip)
}

function addressesOf(texts: Iterable<string>, seen: Seen): Addresses {
  const out: Addresses = { v4: [], v6: [] }
  for (const text of texts) addAddress(out, text, seen)
  return out
}

function serialOf(generatedAt: string): number {
  const seconds = Math.floor(Date.parse(generatedAt) / 1000)
  return Number.isFinite(seconds) ? seconds % 2 ** 32 : 0
}

function parentOf(name: string): string | undefined {
  const dot = name.indexOf('.')
  return dot < 0 ? undefined : name.slice(dot + 1)
}

class Builder {
  readonly seen: Seen = new WeakMap()
  readonly names = new Map<string, NameNode>()
  readonly wildcards = new Map<string, EntryRecord[]>()
  readonly ptrs = new Map<string, PtrRecord[]>()
  readonly zones = new Map<string, ZoneRecord>()
  readonly #ptrKeys = new Set<string>()
  readonly reverseZones = new Map<string, ReverseZoneRecord>()

  node(name: string): NameNode {
    let node = this.names.get(name)
    if (node === undefined) {
      node = {}
      this.names.set(name, node)
    }
    return node
  }

  zoneOf(name: string): string | undefined {
    for (let n: string | undefined = name; n !== undefined; n = parentOf(n)) if (this.zones.has(n)) return n
    return undefined
  }

  /** Makes every ancestor of `name` inside its zone an empty non-terminal for `visibility`. */
  ancestors(name: string, visibility: Visibility): void {
    const zone = this.zoneOf(name)
    if (zone === undefined) return
    for (let n = parentOf(name); n !== undefined && n !== zone && isAtOrBelow(n, zone); n = parentOf(n)) {
      const node = this.node(n)
      node.below ??= { star: false, namespaces: new Set() }
      shareVisibility(node.below, visibility)
    }
  }

  /**
   * R7.3: one PTR per (address, target, cluster); repeats collapse. `source` tells apart
   * entries of several namespaces for one host, which differ in visibility (R13.6).
   */
  ptr(ip: string, record: PtrRecord, source = ''): void {
    const key = `${ip} ${record.target} ${record.cluster} ${source}`
    if (this.#ptrKeys.has(key)) return
    this.#ptrKeys.add(key)
    const list = this.ptrs.get(ip)
    if (list === undefined) this.ptrs.set(ip, [record])
    else list.push(record)
  }

  zone(snapshot: Snapshot): void {
    const name = normalizeName(snapshot.clusterDomain)
    const serial = serialOf(snapshot.generatedAt)
    const zone = this.zones.get(name)
    if (zone === undefined) this.zones.set(name, { name, ttl: snapshot.ttl, serial })
    else {
      zone.ttl = Math.min(zone.ttl, snapshot.ttl)
      zone.serial = Math.max(zone.serial, serial)
    }
    for (const always of [name, `svc.${name}`, `pod.${name}`, `dns.${name}`, `ns.dns.${name}`]) {
      this.node(always).always = true
    }
    this.node(`dns-version.${name}`).schemaVersion = true
    for (const namespace of snapshot.namespaces ?? []) this.node(`${namespace}.svc.${name}`).always = true
    for (const text of snapshot.serviceCIDRs ?? []) {
      const cidr = parseCidr(text)
      if (cidr === undefined) continue
      for (const zone of reverseZonesOf(cidr)) {
        const held = this.reverseZones.get(zone)
        if (held === undefined) this.reverseZones.set(zone, { zone, ttl: snapshot.ttl, serial })
        else {
          held.ttl = Math.min(held.ttl, snapshot.ttl)
          held.serial = Math.max(held.serial, serial)
        }
      }
    }
  }

  services(snapshot: Snapshot): void {
    const domain = normalizeName(snapshot.clusterDomain)
    const serial = serialOf(snapshot.generatedAt)
    for (const service of snapshot.services) {
      const fqdn = `${service.name}.${service.namespace}.svc.${domain}`
      const kind = service.externalName ? 'external' : service.clusterIPs.length > 0 ? 'cluster-ip' : 'headless'
      const record: ServiceRecord = {
        kind,
        cluster: snapshot.cluster,
        namespace: service.namespace,
        name: service.name,
        fqdn,
        domain,
        ttl: snapshot.ttl,
        serial,
        visibility: visibilityOf(service.exportTo, service.namespace),
        addresses: kind === 'cluster-ip' ? addressesOf(service.clusterIPs, this.seen) : { v4: [], v6: [] },
        ports: service.ports.map((p) => ({ name: p.name.toLowerCase(), port: p.port, protocol: protocolOf(p.protocol) })),
        endpointLabels: [],
        externalName: service.externalName ? normalizeName(service.externalName) : undefined,
      }
      ;(this.node(fqdn).services ??= []).push(record)
      this.ancestors(fqdn, record.visibility)
      if (kind === 'cluster-ip') {
        for (const ip of [...record.addresses.v4, ...record.addresses.v6]) {
          this.ptr(ip, { target: fqdn, cluster: snapshot.cluster, visibility: record.visibility, ttl: snapshot.ttl, rank: 0 })
        }
      }
      if (kind === 'headless') this.endpoints(record, service.endpoints)
    }
  }

  /** R4.2, R4.3: one name per hostname (all its endpoints' addresses), one per address otherwise. */
  endpoints(service: ServiceRecord, endpoints: Endpoint[]): void {
    const byLabel = new Map<string, EndpointRecord>()
    for (const endpoint of endpoints) {
      for (const address of endpoint.addresses) addAddress(service.addresses, address, this.seen)
      const labels = endpoint.hostname
        ? [[endpoint.hostname, endpoint.addresses] as const]
        : endpoint.addresses.map((a) => [dashedIpName(a), [a]] as const)
      for (const [label, addresses] of labels) {
        let record = byLabel.get(label)
        if (record === undefined) {
          record = { service, label, fromHostname: endpoint.hostname !== undefined, addresses: { v4: [], v6: [] } }
          byLabel.set(label, record)
          service.endpointLabels.push(label)
        }
        for (const address of addresses) addAddress(record.addresses, address, this.seen)
      }
    }
    for (const record of byLabel.values()) {
      const name = `${record.label}.${service.fqdn}`
      ;(this.node(name).endpoints ??= []).push(record)
      for (const ip of [...record.addresses.v4, ...record.addresses.v6]) {
        this.ptr(ip, { target: name, cluster: service.cluster, visibility: service.visibility, ttl: service.ttl, rank: 1 })
      }
    }
  }

  serviceEntries(snapshot: Snapshot): void {
    const serial = serialOf(snapshot.generatedAt)
    for (const entry of snapshot.serviceEntries) {
      const visibility = visibilityOf(entry.exportTo, entry.namespace)
      const vips = addressesOf(entry.addresses.filter((a) => !a.includes('/') || /\/(32|128)$/.test(a)), this.seen)
      const endpoints = addressesOf(entry.endpoints.flatMap((e) => e.addresses), this.seen)
      const perHost = new Map<string, string[]>()
      for (const [host, ips] of Object.entries(entry.hostAddresses ?? {})) perHost.set(normalizeName(host), ips)
      for (const rawHost of entry.hosts) {
        const host = normalizeName(rawHost)
        const record: EntryRecord = {
          cluster: snapshot.cluster,
          namespace: entry.namespace,
          name: entry.name,
          host,
          ttl: snapshot.ttl,
          serial,
          visibility,
          vips,
          hostVips: addressesOf(perHost.get(host) ?? [], this.seen),
          endpoints,
        }
        if (host.startsWith('*.')) {
          const suffix = host.slice(2)
          const list = this.wildcards.get(suffix)
          if (list === undefined) this.wildcards.set(suffix, [record])
          else list.push(record)
          this.ancestors(host, visibility)
          continue
        }
        ;(this.node(host).entries ??= []).push(record)
        this.ancestors(host, visibility)
        // R7.4: whether the host answers with the VIP for a view is decided per query.
        for (const ip of [...vips.v4, ...vips.v6, ...record.hostVips.v4, ...record.hostVips.v6]) {
          this.ptr(ip, { target: host, cluster: snapshot.cluster, visibility, ttl: snapshot.ttl, rank: 2 }, entry.namespace)
        }
      }
    }
  }
}

/** Port protocols are TCP, UDP or SCTP; ServiceEntry protocols (HTTP, GRPC, TLS...) are TCP. */
function protocolOf(protocol: string): string {
  const lower = protocol.toLowerCase()
  return lower === 'udp' || lower === 'sctp' ? lower : 'tcp'
}

/** Compiles snapshots (any order) into a Registry; clusters are taken in name order (R17.2). */
export function compileRegistry(snapshots: readonly Snapshot[], options: CompileOptions): Registry {
  const sorted = [...snapshots].sort((a, b) => (a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : 0))
  const builder = new Builder()
  for (const snapshot of sorted) builder.zone(snapshot)
  for (const snapshot of sorted) {
    builder.services(snapshot)
    builder.serviceEntries(snapshot)
  }
  return new Registry({
    names: builder.names,
    wildcards: builder.wildcards,
    ptrs: builder.ptrs,
    zones: builder.zones,
    reverseZones: builder.reverseZones,
    defaultDomain: normalizeName(options.defaultDomain),
    clusters: sorted.map((s) => ({ cluster: s.cluster, domain: normalizeName(s.clusterDomain) })),
  })
}

/** How many names a snapshot publishes: the `names` of a push answer and of /v1/snapshots. */
export function countNames(snapshot: Snapshot): number {
  let names = 0
  for (const service of snapshot.services) {
    names += 1
    if (service.clusterIPs.length > 0 || service.externalName) continue
    const labels = new Set<string>()
    for (const e of service.endpoints) {
      if (e.hostname) labels.add(e.hostname)
      else for (const a of e.addresses) labels.add(dashedIpName(a))
    }
    names += labels.size
  }
  for (const entry of snapshot.serviceEntries) names += entry.hosts.length
  return names
}

