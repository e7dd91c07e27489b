/**
 * Compiles the held snapshots into the records the packed index is written from, once per
 * accepted push (Istio BuildNameTable). Linear in the size of the snapshots: every name is
 * written once, and its ancestors inside the zone once per parent name.
 *
 * What it builds lives only until pack.ts has written it: readers load the packed blob.
 * Records of a snapshot share one `Origin`, visibilities and port lists are shared between
 * records that have the same, and a PTR entry is the record that uses the address, so the
 * packer writes each of them once.
 */
import { isCanonicalIPv4, parseCidr, reverseZonesOf } from '../dns/ip.ts'
import { AddressList, SCAN_LIMIT } from './address-list.ts'
import { dashedIpName, isAtOrBelow, normalizeName } from '../dns/names.ts'
import type { Snapshot } from './schema.ts'
import {
  EndpointRecord,
  EntryRecord,
  MixedNode,
  NONE,
  Origin,
  ServiceRecord,
  samePtr,
  ptrCluster,
  ptrTarget,
  type Addresses,
  type NameNode,
  type PortRecord,
  type PtrOwner,
  type ReverseZoneRecord,
  type ZoneRecord,
} from './records.ts'
import type { CompileCache } from './compile-cache.ts'
import { packRegistry } from './pack.ts'
import { PackedIndex } from './packed.ts'
import type { RegistryData } from './registry-index.ts'
import { Registry } from './registry.ts'
import { VisibilityCache, shareVisibility, type SharedVisibility, type Visibility } from './visibility.ts'

export interface CompileOptions {
  defaultDomain: string
  /** Records kept from earlier compiles (a holder's): unchanged elements are not built again. */
  cache?: CompileCache
}

function serialOf(generatedAt: string): number {
  const seconds = Math.floor(Date.parse(generatedAt) / 1000)
  return Number.isFinite(seconds) ? seconds % 2 ** 32 : 0
}

function parentOf(name: string): string | undefined {
  const dot = name.indexOf('.')
  return dot < 0 ? undefined : name.slice(dot + 1)
}

/** Port protocols are TCP, UDP or SCTP; ServiceEntry protocols (HTTP, GRPC, TLS...) are TCP. */
function protocolOf(protocol: string): string {
  const lower = protocol.toLowerCase()
  return lower === 'udp' || lower === 'sctp' ? lower : 'tcp'
}

/** The address lists of a label that several endpoints share. */
class Repeated {
  constructor(readonly parts: Array<readonly string[]>) {}
}

type Ports = Snapshot['services'][number]['ports']

class Builder {
  readonly names = new Map<string, NameNode>()
  readonly wildcards = new Map<string, EntryRecord | EntryRecord[]>()
  readonly ptrs = new Map<string, PtrOwner | PtrOwner[]>()
  readonly zones = new Map<string, ZoneRecord>()
  readonly reverseZones = new Map<string, ReverseZoneRecord>()
  readonly #addresses = new AddressList()
  readonly #second = new AddressList()
  readonly #visibilities = new VisibilityCache()
  readonly #ports = new Map<string, readonly PortRecord[]>()
  /** The empty non-terminals above the names under a parent name, by parent (R10.3). */
  readonly #above = new Map<string, SharedVisibility[]>()
  /** Keys of the long PTR lists, for linear de-duplication (R7.3); dropped with the builder. */
  readonly #ptrKeys = new Map<PtrOwner[], Set<string>>()

  constructor(private readonly cache: CompileCache | undefined) {}

  /** The node at `name` that can hold flags and several records. */
  mixed(name: string): MixedNode {
    const held = this.names.get(name)
    if (held instanceof MixedNode) return held
    const node = new MixedNode()
    if (held instanceof ServiceRecord) node.services = [held]
    else if (held instanceof EndpointRecord) node.endpoints = [held]
    else if (held instanceof EntryRecord) node.entries = [held]
    this.names.set(name, node)
    return node
  }

  /** Puts a record at its name: alone while it is the only thing there. */
  put(name: string, record: ServiceRecord | EndpointRecord | EntryRecord): void {
    const held = this.names.get(name)
    if (held === undefined) {
      this.names.set(name, record)
      return
    }
    const node = this.mixed(name)
    if (record instanceof ServiceRecord) (node.services ??= []).push(record)
    else if (record instanceof EndpointRecord) (node.endpoints ??= []).push(record)
    else (node.entries ??= []).push(record)
  }

  zoneOf(name: string): string | undefined {
    for (let n: string | undefined = name; n !== undefined; n = parentOf(n)) if (this.zones.has(n)) return n
    return undefined
  }

  /** Makes every ancestor of `name` inside its zone an empty non-terminal for `visibility`. */
  ancestors(name: string, visibility: Visibility, parent = parentOf(name)): void {
    // A name that is a zone apex has no ancestors in its zone; below it, they are its parent's.
    if (parent === undefined || this.zones.has(name)) return
    let above = this.#above.get(parent)
    if (above === undefined) {
      above = []
      const zone = this.zoneOf(parent)
      if (zone !== undefined) {
        for (
          let n: string | undefined = parent;
          n !== undefined && n !== zone && isAtOrBelow(n, zone);
          n = parentOf(n)
        ) {
          const node = this.mixed(n)
          above.push((node.below ??= { star: false, namespaces: new Set() }) as SharedVisibility)
        }
      }
      this.#above.set(parent, above)
    }
    for (const below of above) shareVisibility(below, visibility)
  }

  /**
   * R7.3: one PTR per (address, target, cluster); repeats collapse, the first is kept. Entries
   * of several namespaces for one host stay apart: they differ in visibility (R13.6).
   */
  ptr(ip: string, owner: PtrOwner): void {
    const held = this.ptrs.get(ip)
    if (held === undefined) {
      this.ptrs.set(ip, owner)
      return
    }
    if (!Array.isArray(held)) {
      if (!samePtr(held, owner)) this.ptrs.set(ip, [held, owner])
      return
    }
    if (held.length < SCAN_LIMIT) {
      for (const known of held) if (samePtr(known, owner)) return
      held.push(owner)
      return
    }
    let keys = this.#ptrKeys.get(held)
    if (keys === undefined) this.#ptrKeys.set(held, (keys = new Set(held.map(ptrKey))))
    const key = ptrKey(owner)
    if (keys.has(key)) return
    keys.add(key)
    held.push(owner)
  }

  ptrs4and6(addresses: Addresses, owner: PtrOwner): void {
    for (const ip of addresses.v4) this.ptr(ip, owner)
    for (const ip of addresses.v6) this.ptr(ip, owner)
  }

  /** One shared list per distinct set of ports. */
  ports(ports: Ports): readonly PortRecord[] {
    if (ports.length === 0) return NONE
    let key = ''
    for (const p of ports) key += `${p.name.length}:${p.name}${p.port}/${p.protocol.length}:${p.protocol};`
    let shared = this.#ports.get(key)
    if (shared === undefined) {
      shared = ports.map((p) =>
        Object.freeze({ name: p.name.toLowerCase(), port: p.port, protocol: protocolOf(p.protocol) })
      )
      this.#ports.set(key, shared)
    }
    return shared
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
      this.mixed(always).always = true
    }
    this.mixed(`dns-version.${name}`).schemaVersion = true
    for (const namespace of snapshot.namespaces ?? []) this.mixed(`${namespace}.svc.${name}`).always = true
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

  services(snapshot: Snapshot, origin: Origin): void {
    const parents = new Map<string, string>()
    for (const service of snapshot.services) {
      let parent = parents.get(service.namespace)
      if (parent === undefined) parents.set(service.namespace, (parent = `${service.namespace}.svc.${origin.domain}`))
      const cached = this.cache?.services.get(service)
      if (cached !== undefined && cached.origin === origin) {
        this.service(cached.record, parent)
        for (const endpoint of cached.endpoints) this.endpoint(endpoint)
        continue
      }
      // join makes one flat string; a template would keep a chain of string pieces per name.
      const fqdn = [service.name, parent].join('.')
      const kind = service.externalName ? 'external' : service.clusterIPs.length > 0 ? 'cluster-ip' : 'headless'
      const record = new ServiceRecord(
        origin,
        kind,
        service.namespace,
        fqdn,
        this.#visibilities.of(service.exportTo, service.namespace),
        this.ports(service.ports),
        service.externalName ? normalizeName(service.externalName) : undefined
      )
      if (kind === 'cluster-ip') {
        if (service.clusterIPs.length === 1 && isCanonicalIPv4(service.clusterIPs[0]!))
          record.v4 = [service.clusterIPs[0]!]
        else {
          this.#addresses.addAll(service.clusterIPs)
          this.#addresses.fill(record)
        }
      }
      this.service(record, parent)
      const endpoints = kind === 'headless' ? this.endpoints(record, service.endpoints) : NONE
      this.cache?.services.set(service, { origin, record, endpoints })
    }
  }

  /** Puts a service record at its name, with its ancestors and its PTRs. */
  service(record: ServiceRecord, parent: string): void {
    this.put(record.fqdn, record)
    this.ancestors(record.fqdn, record.visibility, parent)
    if (record.kind === 'cluster-ip') this.ptrs4and6(record, record)
  }

  endpoint(record: EndpointRecord): void {
    this.put(record.name, record)
    this.ptrs4and6(record, record)
  }

  /** R4.2, R4.3: one name per hostname (all its endpoints' addresses), one per address otherwise. */
  endpoints(service: ServiceRecord, endpoints: Snapshot['services'][number]['endpoints']): EndpointRecord[] {
    // Per label, in order of first appearance: whether it is a hostname, and where its addresses are.
    const byLabel = new Map<string, number>()
    const labels: string[] = []
    const fromHostname: boolean[] = []
    const sources: Array<string | readonly string[] | Repeated> = []
    for (const endpoint of endpoints) {
      this.#addresses.addAll(endpoint.addresses)
      if (endpoint.hostname) note(endpoint.hostname, true, endpoint.addresses)
      else for (const address of endpoint.addresses) note(dashedIpName(address), false, address)
    }
    this.#addresses.fill(service)
    const names: string[] = []
    const records: EndpointRecord[] = []
    for (let i = 0; i < labels.length; i++) {
      const source = sources[i]!
      if (source instanceof Repeated) for (const part of source.parts) this.#second.addAll(part)
      else if (typeof source === 'string') this.#second.add(source)
      else this.#second.addAll(source)
      const name = [labels[i]!, service.fqdn].join('.')
      names.push(name)
      const record = new EndpointRecord(service, name, fromHostname[i]!)
      this.#second.fill(record)
      this.endpoint(record)
      records.push(record)
    }
    if (names.length > 0) service.endpointNames = names.slice()
    return records

    function note(label: string, hostname: boolean, from: string | readonly string[]): void {
      const index = byLabel.get(label)
      if (index === undefined) {
        byLabel.set(label, labels.length)
        labels.push(label)
        fromHostname.push(hostname)
        sources.push(from)
        return
      }
      const held = sources[index]!
      const part = typeof from === 'string' ? [from] : from
      if (held instanceof Repeated) held.parts.push(part)
      else sources[index] = new Repeated([typeof held === 'string' ? [held] : held, part])
    }
  }

  serviceEntries(snapshot: Snapshot, origin: Origin): void {
    for (const entry of snapshot.serviceEntries) {
      const cached = this.cache?.entries.get(entry)
      if (cached !== undefined && cached.origin === origin) {
        for (const record of cached.records) this.entry(record)
        continue
      }
      const visibility = this.#visibilities.of(entry.exportTo, entry.namespace)
      for (const a of entry.addresses)
        if (!a.includes('/') || a.endsWith('/32') || a.endsWith('/128')) this.#addresses.add(a)
      const vips = this.#addresses.take()
      for (const e of entry.endpoints) this.#addresses.addAll(e.addresses)
      const endpoints = this.#addresses.take()
      let perHost: Map<string, string[]> | undefined
      if (entry.hostAddresses !== undefined) {
        perHost = new Map()
        for (const [host, ips] of Object.entries(entry.hostAddresses)) perHost.set(normalizeName(host), ips)
      }
      const records: EntryRecord[] = []
      for (const rawHost of entry.hosts) {
        const host = normalizeName(rawHost)
        const own = perHost?.get(host)
        if (own !== undefined) this.#addresses.addAll(own)
        const record = new EntryRecord(
          origin,
          entry.namespace,
          host,
          visibility,
          vips,
          this.#addresses.take(),
          endpoints
        )
        this.entry(record)
        records.push(record)
      }
      this.cache?.entries.set(entry, { origin, records })
    }
  }

  /** Puts one host of a ServiceEntry at its name (or among the wildcards), with ancestors and PTRs. */
  entry(record: EntryRecord): void {
    const host = record.host
    if (host.startsWith('*.')) {
      const suffix = host.slice(2)
      const held = this.wildcards.get(suffix)
      if (held === undefined) this.wildcards.set(suffix, record)
      else if (Array.isArray(held)) held.push(record)
      else this.wildcards.set(suffix, [held, record])
      this.ancestors(host, record.visibility)
      return
    }
    this.put(host, record)
    this.ancestors(host, record.visibility)
    // R7.4: whether the host answers with the VIP for a view is decided per query.
    this.ptrs4and6(record.vips, record)
    this.ptrs4and6(record.hostVips, record)
  }
}

function ptrKey(owner: PtrOwner): string {
  return `${ptrTarget(owner)} ${ptrCluster(owner)} ${owner instanceof EntryRecord ? owner.namespace : ''}`
}

/** Compiles snapshots (any order) into records; clusters are taken in name order (R17.2). */
export function compileData(snapshots: readonly Snapshot[], options: CompileOptions): RegistryData {
  const sorted = [...snapshots].sort((a, b) => (a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : 0))
  const builder = new Builder(options.cache)
  for (const snapshot of sorted) builder.zone(snapshot)
  const serials: Array<readonly [Origin, number]> = []
  for (const snapshot of sorted) {
    const domain = normalizeName(snapshot.clusterDomain)
    const serial = serialOf(snapshot.generatedAt)
    const origin = options.cache
      ? options.cache.origin(snapshot.cluster, domain, snapshot.ttl)
      : new Origin(snapshot.cluster, domain, snapshot.ttl, serial)
    serials.push([origin, serial])
    builder.services(snapshot, origin)
    builder.serviceEntries(snapshot, origin)
  }
  return {
    names: builder.names,
    wildcards: builder.wildcards,
    ptrs: builder.ptrs,
    zones: builder.zones,
    reverseZones: builder.reverseZones,
    defaultDomain: normalizeName(options.defaultDomain),
    clusters: sorted.map((s) => ({ cluster: s.cluster, domain: normalizeName(s.clusterDomain) })),
    serials,
  }
}

/** The packed index of snapshots: what a push produces and every reader loads (docs/packed-index.md). */
export function buildIndex(snapshots: readonly Snapshot[], options: CompileOptions): Uint8Array {
  return packRegistry(compileData(snapshots, options))
}

/** A registry that answers from snapshots: built and loaded as a push would. */
export function compileRegistry(snapshots: readonly Snapshot[], options: CompileOptions): Registry {
  return new Registry(new PackedIndex(buildIndex(snapshots, options)))
}

/** Names per headless service, by parsed element: pushes that reuse elements (revalidate.ts) count them once. */
const headlessNames = new WeakMap<Snapshot['services'][number], number>()

/** How many names a snapshot publishes: the `names` of a push answer and of /v1/snapshots. */
export function countNames(snapshot: Snapshot): number {
  let names = 0
  for (const service of snapshot.services) {
    names += 1
    if (service.clusterIPs.length > 0 || service.externalName) continue
    let count = headlessNames.get(service)
    if (count === undefined) {
      const labels = new Set<string>()
      for (const e of service.endpoints) {
        if (e.hostname) labels.add(e.hostname)
        else for (const a of e.addresses) labels.add(dashedIpName(a))
      }
      headlessNames.set(service, (count = labels.size))
    }
    names += count
  }
  for (const entry of snapshot.serviceEntries) names += entry.hosts.length
  return names
}
