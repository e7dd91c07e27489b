/**
 * buildSnapshot: the cluster's stripped records → the content of a snapshot (docs/snapshot-format.md).
 * Pure and linear in the number of objects, like Istio's BuildNameTable (pkg/dns/server/name_table.go):
 * no I/O, no clock, sorted output so that equal clusters give byte-equal documents.
 */
import { API_VERSION, KIND, dnsLabel } from '../registry/schema.ts'
import type { Snapshot, SnapshotInput } from '../registry/schema.ts'
import { parseSnapshot } from '../registry/validate.ts'
import type { MeshDefaults } from './mesh-config.ts'
import type { ServiceEntryRecord, ServiceRecord, SliceRecord, WorkloadEntryRecord } from './objects.ts'
import { viewsOf, type ViewRecord } from './views.ts'

export interface ClusterState {
  services: readonly ServiceRecord[]
  slices: readonly SliceRecord[]
  serviceEntries: readonly ServiceEntryRecord[]
  workloadEntries: readonly WorkloadEntryRecord[]
  namespaces: readonly string[]
  /** View ConfigMaps (views.ts); absent: the cluster declares none. */
  views?: readonly ViewRecord[]
}

export interface BuildOptions {
  cluster: string
  clusterDomain: string
  ttl: number
  serviceCIDRs?: string[]
}

/** A snapshot without the two fields stamped at push time (`revision`, `generatedAt`). */
export type SnapshotContent = Omit<SnapshotInput, 'revision' | 'generatedAt'>
export type ServiceInput = NonNullable<SnapshotInput['services']>[number]
export type EntryInput = NonNullable<SnapshotInput['serviceEntries']>[number]
type EndpointInput = NonNullable<ServiceInput['endpoints']>[number]

/** An object left out because the schema refuses it; one bad object must not block the rest. */
export interface Skipped {
  kind: 'Service' | 'ServiceEntry' | 'Namespace' | 'ConfigMap'
  namespace: string
  name: string
  error: string
  path: string
}

export interface BuildResult {
  content: SnapshotContent
  skipped: Skipped[]
}

export const byKey = (a: { namespace: string; name: string }, b: { namespace: string; name: string }) =>
  a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0

// IPv4 before IPv6, then text order: stable output whatever order the informers hold.
const byAddress = (a: string, b: string) =>
  a.includes(':') === b.includes(':') ? (a < b ? -1 : a > b ? 1 : 0) : a.includes(':') ? 1 : -1

export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>()
  for (const item of items) {
    const k = key(item)
    const list = out.get(k)
    if (list) list.push(item)
    else out.set(k, [item])
  }
  return out
}

/**
 * Ready endpoints of a headless service across all its slices (both families, several slices).
 * publishNotReadyAddresses makes not-ready endpoints count, as the EndpointSlice controller does
 * (kubernetes pkg/controller/endpointslice podToEndpoint). One endpoint per hostname gathers its
 * IPv4 and IPv6 addresses; endpoints without a hostname stay one per address.
 */
export function headlessEndpoints(slices: readonly SliceRecord[], publishNotReady: boolean): EndpointInput[] {
  const named = new Map<string, Set<string>>()
  const anonymous = new Set<string>()
  for (const slice of slices) {
    for (const ep of slice.endpoints) {
      if (!ep.ready && !publishNotReady) continue
      if (ep.hostname === undefined) for (const a of ep.addresses) anonymous.add(a)
      else {
        const set = named.get(ep.hostname) ?? new Set<string>()
        for (const a of ep.addresses) set.add(a)
        if (set.size > 0) named.set(ep.hostname, set)
      }
    }
  }
  const out: EndpointInput[] = [...named.keys()].sort().map((hostname) => ({
    addresses: [...named.get(hostname)!].sort(byAddress),
    hostname,
  }))
  for (const a of [...anonymous].sort(byAddress)) out.push({ addresses: [a] })
  return out
}

export function toServiceInput(svc: ServiceRecord, slices: readonly SliceRecord[], mesh: MeshDefaults): ServiceInput {
  const exportTo = svc.exportTo ?? mesh.serviceExportTo
  const out: ServiceInput = { name: svc.name, namespace: svc.namespace }
  if (svc.externalName !== undefined) out.externalName = svc.externalName
  else out.clusterIPs = svc.clusterIPs
  if (svc.ports.length > 0) out.ports = svc.ports
  // Endpoints matter only for headless services (docs/snapshot-format.md: accepted and ignored otherwise).
  if (svc.externalName === undefined && svc.clusterIPs.length === 0) {
    out.endpoints = headlessEndpoints(slices, svc.publishNotReadyAddresses)
  }
  if (exportTo) out.exportTo = exportTo
  return out
}

/** WorkloadEntries a selector picks: same namespace, selector labels ⊆ entry labels, never an empty selector. */
function selected(selector: Record<string, string>, candidates: readonly WorkloadEntryRecord[]): string[] {
  const pairs = Object.entries(selector)
  if (pairs.length === 0) return []
  return candidates.filter((we) => pairs.every(([k, v]) => we.labels[k] === v)).map((we) => we.address)
}

export function toEntryInput(
  se: ServiceEntryRecord,
  workloads: readonly WorkloadEntryRecord[],
  mesh: MeshDefaults
): EntryInput {
  const exportTo = se.exportTo ?? mesh.serviceEntryExportTo
  const out: EntryInput = { name: se.name, namespace: se.namespace, hosts: se.hosts }
  if (se.addresses.length > 0) out.addresses = se.addresses
  const hosts = new Set(se.hosts)
  const perHost = groupBy(
    se.allocated.filter((a) => hosts.has(a.host)),
    (a) => a.host
  )
  if (perHost.size > 0) {
    out.hostAddresses = Object.fromEntries(
      [...perHost.keys()].sort().map((h) => [h, [...new Set(perHost.get(h)!.map((a) => a.value))].sort(byAddress)])
    )
  }
  if (se.ports.length > 0) out.ports = se.ports
  // Without spec.addresses a host is answered from its workloads, also in views that ignore
  // auto-allocated VIPs (docs/views.md autoAllocatedVIPs), so endpoints are kept even with hostAddresses.
  if (se.addresses.length === 0) {
    const ips = new Set([...se.endpoints, ...(se.selector ? selected(se.selector, workloads) : [])])
    if (ips.size > 0) out.endpoints = [...ips].sort(byAddress).map((a) => ({ addresses: [a] }))
  }
  if (se.resolution !== undefined) out.resolution = se.resolution
  if (exportTo) out.exportTo = exportTo
  return out
}

// The fields every snapshot document needs besides its lists; `checkObject` wraps one object in them.
const PROBE = {
  apiVersion: API_VERSION,
  kind: KIND,
  cluster: 'probe',
  revision: 1,
  generatedAt: '1970-01-01T00:00:00Z',
}

/**
 * Checks one service or ServiceEntry with the shared `parseSnapshot`, as the only element of a
 * document. A snapshot's lists have no rule across elements, so a document whose envelope passes
 * `parseSnapshot` and whose every element passed here passes `parseSnapshot` as a whole
 * (test/sync/assemble.test.ts checks that on random clusters). The validated element (defaults
 * filled in) is what the canonical digest is computed from, as the resolver computes it.
 */
export function checkObject<L extends 'services' | 'serviceEntries'>(
  list: L,
  value: L extends 'services' ? ServiceInput : EntryInput
): { ok: true; element: Snapshot[L][number] } | { ok: false; error: string; path: string } {
  const checked = parseSnapshot({ ...PROBE, [list]: [value] })
  if (checked.ok) return { ok: true, element: checked.snapshot[list][0]! }
  const prefix = `${list}[0]`
  const path = checked.path.startsWith(prefix) ? checked.path.slice(prefix.length).replace(/^\./, '') : checked.path
  return { ok: false, error: checked.error, path }
}

/** Whether a namespace name may appear in `namespaces` (the schema's DNS label). */
export function validNamespace(ns: string): boolean {
  return dnsLabel.safeParse(ns).success
}

/** The content's fields besides `services` and `serviceEntries`, namespaces sorted and checked. */
export function envelopeOf(
  namespaces: readonly string[],
  options: BuildOptions,
  skipped: Skipped[],
  views: readonly ViewRecord[] = []
): SnapshotContent {
  const content: SnapshotContent = {
    apiVersion: API_VERSION,
    kind: KIND,
    cluster: options.cluster,
    clusterDomain: options.clusterDomain,
    ttl: options.ttl,
  }
  if (options.serviceCIDRs && options.serviceCIDRs.length > 0) content.serviceCIDRs = options.serviceCIDRs
  content.namespaces = [...new Set(namespaces)].sort().filter((ns) => {
    const ok = validNamespace(ns)
    if (!ok) skipped.push({ kind: 'Namespace', namespace: '', name: ns, error: 'not a DNS label', path: '' })
    return ok
  })
  const published = viewsOf(views, options.cluster, skipped)
  // Left out when empty: the documents of clusters without views stay as they were.
  if (published.length > 0) content.views = published
  return content
}

/**
 * Builds the whole snapshot content at once; objects the schema refuses are left out and listed
 * in `skipped`. The job builds incrementally (assemble.ts); this is the plain definition its
 * output is tested against, and what --dry-run users can read.
 */
export function buildSnapshot(state: ClusterState, mesh: MeshDefaults, options: BuildOptions): BuildResult {
  const skipped: Skipped[] = []
  const slices = groupBy(state.slices, (s) => `${s.namespace}/${s.service}`)
  const workloads = groupBy(state.workloadEntries, (w) => w.namespace)
  const services: ServiceInput[] = []
  for (const svc of [...state.services].sort(byKey)) {
    const out = toServiceInput(svc, slices.get(`${svc.namespace}/${svc.name}`) ?? [], mesh)
    const checked = checkObject('services', out)
    if (checked.ok) services.push(out)
    else
      skipped.push({
        kind: 'Service',
        namespace: svc.namespace,
        name: svc.name,
        error: checked.error,
        path: checked.path,
      })
  }
  const serviceEntries: EntryInput[] = []
  for (const se of [...state.serviceEntries].sort(byKey)) {
    const out = toEntryInput(se, workloads.get(se.namespace) ?? [], mesh)
    const checked = checkObject('serviceEntries', out)
    if (checked.ok) serviceEntries.push(out)
    else
      skipped.push({
        kind: 'ServiceEntry',
        namespace: se.namespace,
        name: se.name,
        error: checked.error,
        path: checked.path,
      })
  }
  const content = envelopeOf(state.namespaces, options, skipped, state.views)
  content.services = services
  content.serviceEntries = serviceEntries
  return { content, skipped }
}
