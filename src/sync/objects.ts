/**
 * API objects stripped to the few fields a snapshot needs, right where they arrive (the way
 * CoreDNS keeps "a stripped down api.Service", plugin/kubernetes/object/service.go): the
 * informer caches hold these records, never whole objects.
 */
import { isIP } from 'node:net'
import type { V1EndpointSlice, V1Namespace, V1Service } from '@kubernetes/client-node'

export interface PortRecord {
  name: string
  port: number
  protocol: string
}

export interface ServiceRecord {
  namespace: string
  name: string
  clusterIPs: string[]
  externalName?: string
  ports: PortRecord[]
  publishNotReadyAddresses: boolean
  /** From the `networking.istio.io/exportTo` annotation; undefined: the mesh default. */
  exportTo?: string[]
}

export interface EndpointRecord {
  addresses: string[]
  hostname?: string
  ready: boolean
}

export interface SliceRecord {
  namespace: string
  /** The `kubernetes.io/service-name` label. */
  service: string
  endpoints: EndpointRecord[]
}

export interface ServiceEntryRecord {
  namespace: string
  name: string
  hosts: string[]
  /** spec.addresses: IPs or CIDRs. */
  addresses: string[]
  /** status.addresses written by Istio's IP auto-allocation. */
  allocated: { host: string; value: string }[]
  ports: PortRecord[]
  /** IP addresses of spec.endpoints (hostname and unix-socket endpoints have none). */
  endpoints: string[]
  selector?: Record<string, string>
  resolution?: string
  exportTo?: string[]
}

export interface WorkloadEntryRecord {
  namespace: string
  name: string
  address: string
  labels: Record<string, string>
}

/** The shape of networking.istio.io/v1 ServiceEntry and WorkloadEntry objects we read. */
export interface IstioObject {
  metadata?: { name?: string; namespace?: string; annotations?: Record<string, string> }
  spec?: Record<string, unknown>
  status?: Record<string, unknown>
}

const EXPORT_TO = 'networking.istio.io/exportTo'

/** Istio port protocols (HTTP, GRPC, TLS, …) all travel over TCP (docs/snapshot-format.md `ports[]`). */
export function transportOf(protocol: unknown): string {
  const p = typeof protocol === 'string' ? protocol.toUpperCase() : ''
  return p === 'UDP' || p === 'SCTP' ? p : 'TCP'
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v !== '') : []
}

// Istio objects are loosely validated (the CRDs preserve unknown fields): check every shape.
function records(value: unknown): Record<string, unknown>[] {
  if (!Array.isArray(value)) return []
  return value.filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null)
}

function labels(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null) return {}
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v
  return out
}

/** `".,istio-system"` → `[".", "istio-system"]`; empty means "not set". */
export function parseExportTo(annotation: string | undefined): string[] | undefined {
  const list = (annotation ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  return list.length > 0 ? list : undefined
}

export function toService(svc: V1Service): ServiceRecord {
  const spec = svc.spec ?? {}
  // clusterIPs is authoritative on dual-stack clusters; older objects only carry clusterIP.
  const ips = spec.clusterIPs && spec.clusterIPs.length > 0 ? spec.clusterIPs : [spec.clusterIP ?? '']
  const record: ServiceRecord = {
    namespace: svc.metadata?.namespace ?? '',
    name: svc.metadata?.name ?? '',
    clusterIPs: spec.type === 'ExternalName' ? [] : ips.filter((ip) => isIP(ip) !== 0),
    ports: (spec.ports ?? []).map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' })),
    publishNotReadyAddresses: spec.publishNotReadyAddresses === true,
  }
  if (spec.type === 'ExternalName' && spec.externalName) record.externalName = spec.externalName
  const exportTo = parseExportTo(svc.metadata?.annotations?.[EXPORT_TO])
  if (exportTo) record.exportTo = exportTo
  return record
}

/** Returns undefined for slices of no Service and for FQDN slices (their addresses are not IPs). */
export function toSlice(slice: V1EndpointSlice): SliceRecord | undefined {
  const service = slice.metadata?.labels?.['kubernetes.io/service-name']
  if (!service || (slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6')) return undefined
  return {
    namespace: slice.metadata?.namespace ?? '',
    service,
    endpoints: (slice.endpoints ?? []).map((ep) => {
      const out: EndpointRecord = {
        addresses: ep.addresses.filter((a) => isIP(a) !== 0),
        // discovery.k8s.io/v1: "nil should be interpreted as ready".
        ready: ep.conditions?.ready !== false,
      }
      if (ep.hostname) out.hostname = ep.hostname
      return out
    }),
  }
}

export function toNamespace(ns: V1Namespace): string {
  return ns.metadata?.name ?? ''
}

export function toServiceEntry(se: IstioObject): ServiceEntryRecord {
  const spec = se.spec ?? {}
  const record: ServiceEntryRecord = {
    namespace: se.metadata?.namespace ?? '',
    name: se.metadata?.name ?? '',
    hosts: strings(spec['hosts']),
    addresses: strings(spec['addresses']),
    allocated: records(se.status?.['addresses']).flatMap(({ host, value }) =>
      typeof host === 'string' && typeof value === 'string' && isIP(value) !== 0 ? [{ host, value }] : []
    ),
    ports: records(spec['ports']).flatMap((p) =>
      typeof p['number'] === 'number'
        ? [
            {
              name: typeof p['name'] === 'string' ? p['name'] : '',
              port: p['number'],
              protocol: transportOf(p['protocol']),
            },
          ]
        : []
    ),
    endpoints: records(spec['endpoints']).flatMap(({ address }) =>
      typeof address === 'string' && isIP(address) !== 0 ? [address] : []
    ),
  }
  const selector = records([spec['workloadSelector']])[0]?.['labels']
  if (selector !== undefined) record.selector = labels(selector)
  if (typeof spec['resolution'] === 'string') record.resolution = spec['resolution']
  const exportTo = strings(spec['exportTo'])
  if (exportTo.length > 0) record.exportTo = exportTo
  return record
}

const HEALTH_CHECKS = 'proxy.istio.io/health-checks-enabled'

/**
 * Returns undefined for entries whose address is not an IP (DNS names, unix sockets): Istio
 * selects those only for DNS ServiceEntries (serviceentry/conversion.go, DNSServiceEntryOnly).
 */
export function toWorkloadEntry(we: IstioObject): WorkloadEntryRecord | undefined {
  const address = we.spec?.['address']
  if (typeof address !== 'string' || isIP(address) === 0) return undefined
  // With health checks on, an entry counts only while its Healthy condition is True, and is
  // unhealthy until proven otherwise (Istio serviceentry/controller.go isHealthy).
  if (we.metadata?.annotations?.[HEALTH_CHECKS] === 'true') {
    const healthy = records(we.status?.['conditions']).some((c) => c['type'] === 'Healthy' && c['status'] === 'True')
    if (!healthy) return undefined
  }
  // Selection uses spec.labels only, as Istio does (convertWorkloadEntryToWorkloadInstance).
  const { namespace = '', name = '' } = we.metadata ?? {}
  return { namespace, name, address, labels: labels(we.spec?.['labels']) }
}
