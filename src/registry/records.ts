/** What a snapshot compiles into: records keyed by name, ready to answer from (Istio name_table.go). */
import type { SharedVisibility, Visibility } from './visibility.ts'

export interface Addresses {
  v4: string[]
  v6: string[]
}

export interface PortRecord {
  /** Lower case; '' for an unnamed port. */
  name: string
  port: number
  /** Lower case: tcp, udp or sctp. */
  protocol: string
}

/** One Kubernetes Service as one cluster's snapshot describes it. */
export interface ServiceRecord {
  kind: 'cluster-ip' | 'headless' | 'external'
  cluster: string
  namespace: string
  name: string
  fqdn: string
  /** Where the service's aliases (R15) are built: its snapshot's cluster domain. */
  domain: string
  ttl: number
  /** The SOA serial of its snapshot (R9.1), for SOAs owned by its alias names (R10.2). */
  serial: number
  visibility: Visibility
  /** ClusterIPs, or for a headless service the union of its ready endpoint addresses. */
  addresses: Addresses
  ports: PortRecord[]
  /** Headless: the endpoint names (R4.2, R4.3), distinct, in snapshot order. */
  endpointLabels: string[]
  externalName?: string
}

/** A per-endpoint name of a headless service: `<label>.<svc>.<ns>.svc.<zone>`. */
export interface EndpointRecord {
  service: ServiceRecord
  label: string
  /** The label is an endpoint hostname (aliases exist only for those, R15.1). */
  fromHostname: boolean
  addresses: Addresses
}

/** One host of one ServiceEntry in one cluster's snapshot. */
export interface EntryRecord {
  cluster: string
  namespace: string
  name: string
  /** Normalised; wildcard hosts keep their `*.` prefix. */
  host: string
  ttl: number
  /** The SOA serial of its snapshot (R9.1), for SOAs owned by the host (R10.2). */
  serial: number
  visibility: Visibility
  /** From spec.addresses: every host answers them (R13.1). */
  vips: Addresses
  /** Auto-allocated for this host (hostAddresses, R13.7). */
  hostVips: Addresses
  /** Answered only when the entry has no VIP at all (R13.2). */
  endpoints: Addresses
}

export interface PtrRecord {
  target: string
  cluster: string
  visibility: Visibility
  ttl: number
  /** R7.1: a ClusterIP outranks an endpoint, which outranks a ServiceEntry VIP (R7.4). */
  rank: 0 | 1 | 2
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

/** Everything known at one name. */
export interface NameNode {
  services?: ServiceRecord[]
  endpoints?: EndpointRecord[]
  entries?: EntryRecord[]
  /** The name exists because of names below it, for the views in here (R10.3). */
  below?: SharedVisibility
  /** The name exists for every view: apex, svc, pod, dns, ns.dns, listed namespaces. */
  always?: boolean
  /** `dns-version.<zone>` (R8). */
  schemaVersion?: boolean
}
