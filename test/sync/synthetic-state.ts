/**
 * The bench's synthetic snapshot (bench/synthetic.ts) as the informers would hold it: stripped
 * records (src/sync/objects.ts), so that the job's own builder makes the snapshot from them.
 * Headless services get one EndpointSlice holding their endpoints; ServiceEntries keep their
 * per-host VIPs as Istio's status.addresses.
 */
import { syntheticSnapshot } from '../../bench/synthetic.ts'
import type { BuildOptions, ClusterState } from '../../src/sync/build.ts'
import type { PortRecord, ServiceEntryRecord, ServiceRecord, SliceRecord } from '../../src/sync/objects.ts'

interface PortIn {
  name?: string
  port: number
  protocol?: string
}

const portRecords = (ports: readonly PortIn[] | undefined): PortRecord[] =>
  (ports ?? []).map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' }))

export function syntheticState(services: number, seed = 1): { state: ClusterState; options: BuildOptions } {
  const snapshot = syntheticSnapshot({ services, seed, cluster: 'east-1' })
  const records: ServiceRecord[] = []
  const slices: SliceRecord[] = []
  for (const s of snapshot.services ?? []) {
    const record: ServiceRecord = {
      namespace: s.namespace,
      name: s.name,
      clusterIPs: s.clusterIPs ?? [],
      ports: portRecords(s.ports),
      publishNotReadyAddresses: false,
    }
    if (s.externalName !== undefined) record.externalName = s.externalName
    if (s.exportTo !== undefined) record.exportTo = s.exportTo
    records.push(record)
    if (s.externalName === undefined && record.clusterIPs.length === 0) {
      slices.push({
        namespace: s.namespace,
        service: s.name,
        endpoints: (s.endpoints ?? []).map((e) => ({
          addresses: e.addresses,
          ready: true,
          ...(e.hostname !== undefined ? { hostname: e.hostname } : {}),
        })),
      })
    }
  }
  const entries: ServiceEntryRecord[] = (snapshot.serviceEntries ?? []).map((e) => {
    const record: ServiceEntryRecord = {
      namespace: e.namespace,
      name: e.name,
      hosts: e.hosts,
      addresses: e.addresses ?? [],
      allocated: Object.entries(e.hostAddresses ?? {}).flatMap(([host, ips]) => ips.map((value) => ({ host, value }))),
      ports: portRecords(e.ports),
      endpoints: (e.endpoints ?? []).flatMap((p) => p.addresses),
    }
    if (e.resolution !== undefined) record.resolution = e.resolution
    if (e.exportTo !== undefined) record.exportTo = e.exportTo
    return record
  })
  return {
    state: {
      services: records,
      slices,
      serviceEntries: entries,
      workloadEntries: [],
      namespaces: snapshot.namespaces ?? [],
    },
    options: {
      cluster: 'east-1',
      clusterDomain: snapshot.clusterDomain ?? 'cluster.local',
      ttl: snapshot.ttl ?? 30,
      ...(snapshot.serviceCIDRs ? { serviceCIDRs: snapshot.serviceCIDRs } : {}),
    },
  }
}

/** The state with one ClusterIP Service's address changed: the smallest change a cluster makes. */
export function withOneServiceChanged(state: ClusterState): ClusterState {
  const index = state.services.findIndex((s) => s.clusterIPs.length > 0)
  const services = [...state.services]
  services[index] = { ...services[index]!, clusterIPs: ['10.111.222.33'] }
  return { ...state, services }
}
