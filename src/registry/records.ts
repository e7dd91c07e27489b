/**
 * What a snapshot compiles into: records keyed by name, ready to answer from (Istio
 * name_table.go). The index is most of an isolate's memory, so records are lean: what one
 * snapshot shares (cluster, ttl, serial) is one `Origin`, empty lists are one frozen array,
 * and a name holding a single record maps to the record itself rather than to a node.
 */
import type { Visibility } from './visibility.ts'

/** One frozen empty list, shared by every record without addresses, ports or labels. */
export const NONE: readonly never[] = Object.freeze([])

export interface Addresses {
  readonly v4: readonly string[]
  readonly v6: readonly string[]
}

export const NO_ADDRESSES: Addresses = Object.freeze({ v4: NONE, v6: NONE })

export interface PortRecord {
  /** Lower case; '' for an unnamed port. */
  readonly name: string
  readonly port: number
  /** Lower case: tcp, udp or sctp. */
  readonly protocol: string
}

/** What every record of one snapshot shares. */
export class Origin {
  constructor(
    readonly cluster: string,
    /** Where the snapshot's services' aliases (R15) are built: its cluster domain. */
    readonly domain: string,
    readonly ttl: number,
    /**
     * The SOA serial of the snapshot (R9.1), for SOAs owned by its alias names (R10.2).
     * Written when a registry is made current (compile-cache.ts), hence not readonly.
     */
    public serial: number
  ) {}
}

/** A record read through its snapshot's origin: cluster, ttl and serial live there once. */
abstract class FromOrigin {
  constructor(readonly origin: Origin) {}

  get cluster(): string {
    return this.origin.cluster
  }

  get ttl(): number {
    return this.origin.ttl
  }

  get serial(): number {
    return this.origin.serial
  }
}

/** One Kubernetes Service as one cluster's snapshot describes it. */
export class ServiceRecord extends FromOrigin implements Addresses {
  /** ClusterIPs, or for a headless service the union of its ready endpoint addresses. */
  v4: readonly string[] = NONE
  v6: readonly string[] = NONE
  /** Headless: the endpoint names (R4.2, R4.3), distinct, in snapshot order: its SRV targets. */
  endpointNames: readonly string[] = NONE

  constructor(
    origin: Origin,
    readonly kind: 'cluster-ip' | 'headless' | 'external',
    readonly namespace: string,
    readonly fqdn: string,
    readonly visibility: Visibility,
    readonly ports: readonly PortRecord[],
    readonly externalName: string | undefined
  ) {
    super(origin)
  }

  /** The record is its own address list (one object less per name). */
  get addresses(): Addresses {
    return this
  }
}

/** A per-endpoint name of a headless service: `<label>.<svc>.<ns>.svc.<zone>`. */
export class EndpointRecord implements Addresses {
  v4: readonly string[] = NONE
  v6: readonly string[] = NONE

  constructor(
    readonly service: ServiceRecord,
    /** The whole name: `<label>.<service fqdn>`. */
    readonly name: string,
    /** The label is an endpoint hostname (aliases exist only for those, R15.1). */
    readonly fromHostname: boolean
  ) {}

  get addresses(): Addresses {
    return this
  }
}

/** One host of one ServiceEntry in one cluster's snapshot. */
export class EntryRecord extends FromOrigin {
  constructor(
    origin: Origin,
    readonly namespace: string,
    /** Normalised; wildcard hosts keep their `*.` prefix. */
    readonly host: string,
    readonly visibility: Visibility,
    /** From spec.addresses: every host answers them (R13.1). */
    readonly vips: Addresses,
    /** Auto-allocated for this host (hostAddresses, R13.7). */
    readonly hostVips: Addresses,
    /** Answered only when the entry has no VIP at all (R13.2). */
    readonly endpoints: Addresses
  ) {
    super(origin)
  }
}

/**
 * Who uses an address, for PTR (R7): a ClusterIP service (rank 0), a headless endpoint (rank
 * 1) or a ServiceEntry host with a VIP (rank 2). R7.1: a lower rank outranks (R7.4).
 */
export type PtrOwner = ServiceRecord | EndpointRecord | EntryRecord

export function ptrTarget(owner: PtrOwner): string {
  return owner instanceof ServiceRecord ? owner.fqdn : owner instanceof EndpointRecord ? owner.name : owner.host
}

export function ptrRank(owner: PtrOwner): 0 | 1 | 2 {
  return owner instanceof ServiceRecord ? 0 : owner instanceof EndpointRecord ? 1 : 2
}

export function ptrCluster(owner: PtrOwner): string {
  return owner instanceof EndpointRecord ? owner.service.cluster : owner.cluster
}

export function ptrVisibility(owner: PtrOwner): Visibility {
  return owner instanceof EndpointRecord ? owner.service.visibility : owner.visibility
}

export function ptrNamespace(owner: PtrOwner): string {
  return owner instanceof EndpointRecord ? owner.service.namespace : owner.namespace
}

export function ptrTtl(owner: PtrOwner): number {
  return owner instanceof EndpointRecord ? owner.service.ttl : owner.ttl
}

/** R7.3: owners that collapse into one PTR: same target and cluster, and for hosts the same namespace (R13.6). */
export function samePtr(a: PtrOwner, b: PtrOwner): boolean {
  if (ptrTarget(a) !== ptrTarget(b) || ptrCluster(a) !== ptrCluster(b)) return false
  const sourceA = a instanceof EntryRecord ? a.namespace : ''
  const sourceB = b instanceof EntryRecord ? b.namespace : ''
  return sourceA === sourceB
}

export interface ZoneRecord {
  name: string
  /** Smallest ttl of the snapshots that feed the zone (R9.1). */
  ttl: number
  /** Newest generatedAt, Unix seconds mod 2^32 (R9.1). */
  serial: number
}

/** A reverse zone owned because a snapshot's `serviceCIDRs` cover it (R7.5). */
export interface ReverseZoneRecord {
  zone: string
  /** Smallest ttl and newest serial of the snapshots that list it, as for zones (R9.1). */
  ttl: number
  serial: number
}

/** Records at one name, or one of them alone. */
export type OneOrMore<T> = T | readonly T[] | undefined

/** Everything known at a name that holds more than one record, or a flag. */
export class MixedNode {
  services: ServiceRecord[] | undefined = undefined
  endpoints: EndpointRecord[] | undefined = undefined
  entries: EntryRecord[] | undefined = undefined
  /** The name exists because of names below it, for the views in here (R10.3). */
  below: Visibility | undefined = undefined
  /** The name exists for every view: apex, svc, pod, dns, ns.dns, listed namespaces. */
  always = false
  /** `dns-version.<zone>` (R8). */
  schemaVersion = false
}

/** What the index holds at one name: the name's only record, or a node. */
export type NameNode = ServiceRecord | EndpointRecord | EntryRecord | MixedNode

export function servicesAt(node: NameNode | undefined): OneOrMore<ServiceRecord> {
  return node instanceof ServiceRecord ? node : node instanceof MixedNode ? node.services : undefined
}

export function endpointsAt(node: NameNode | undefined): OneOrMore<EndpointRecord> {
  return node instanceof EndpointRecord ? node : node instanceof MixedNode ? node.endpoints : undefined
}

export function entriesAt(node: NameNode | undefined): OneOrMore<EntryRecord> {
  return node instanceof EntryRecord ? node : node instanceof MixedNode ? node.entries : undefined
}
