/**
 * The synthetic snapshot as a Kubernetes cluster would hold it: Namespaces, Services (exportTo
 * as the Istio annotation), one EndpointSlice per Service (two ready pods behind each ClusterIP
 * Service, the snapshot's endpoints behind each headless one), ServiceEntries (per-host VIPs
 * in status.addresses, as Istio's auto-allocation writes them) and the mesh config.
 */
import type { SnapshotInput } from '../../src/registry/schema.ts'
import { endpointSlice, meshConfigMap, namespace, service, serviceEntry } from '../../test/sync/k8s-objects.ts'
import type { KubeObject, Plural } from '../../test/sync/k8s-store.ts'

export type Applied = Array<[Plural, KubeObject]>

const POD = (n: number) => `10.${200 + (n >>> 16)}.${(n >>> 8) & 255}.${n & 255}`

function exportAnnotation(exportTo: readonly string[] | undefined): Record<string, string> | undefined {
  return exportTo ? { 'networking.istio.io/exportTo': exportTo.join(',') } : undefined
}

export function clusterObjects(snapshot: SnapshotInput): Applied {
  const out: Applied = [['configmaps', meshConfigMap('defaultServiceExportTo: ["*"]\n')]]
  for (const name of snapshot.namespaces ?? []) out.push(['namespaces', namespace(name)])
  let pods = 0
  for (const s of snapshot.services ?? []) {
    const annotations = exportAnnotation(s.exportTo)
    const ports = (s.ports ?? []).map((p) => ({ name: p.name, port: p.port, protocol: p.protocol }))
    if (s.externalName) {
      out.push(['services', service(s.namespace, s.name, { externalName: s.externalName, ports, annotations })])
      continue
    }
    const headless = (s.clusterIPs ?? []).length === 0
    out.push([
      'services',
      service(
        s.namespace,
        s.name,
        headless ? { headless, ports, annotations } : { clusterIPs: s.clusterIPs, ports, annotations }
      ),
    ])
    const endpoints = headless
      ? (s.endpoints ?? []).map((e) => ({ addresses: e.addresses, hostname: e.hostname, ready: true }))
      : [
          { addresses: [POD(pods++)], ready: true },
          { addresses: [POD(pods++)], ready: true },
        ]
    out.push(['endpointslices', endpointSlice(s.namespace, `${s.name}-abcde`, s.name, 'IPv4', endpoints)])
  }
  for (const e of snapshot.serviceEntries ?? []) {
    const spec: Record<string, unknown> = {
      hosts: e.hosts,
      ports: (e.ports ?? []).map((p) => ({ number: p.port, name: p.name, protocol: p.protocol })),
      resolution: e.resolution ?? 'STATIC',
      ...(e.addresses && e.addresses.length > 0 ? { addresses: e.addresses } : {}),
      ...(e.endpoints && e.endpoints.length > 0
        ? { endpoints: e.endpoints.map((p) => ({ address: p.addresses[0] })) }
        : {}),
      ...(e.exportTo ? { exportTo: e.exportTo } : {}),
    }
    const allocated = Object.entries(e.hostAddresses ?? {}).flatMap(([host, ips]) =>
      ips.map((value) => ({ value, host }))
    )
    out.push([
      'serviceentries',
      serviceEntry(e.namespace, e.name, spec, allocated.length > 0 ? { addresses: allocated } : undefined),
    ])
  }
  return out
}

/** The n-th Service a change adds (and its EndpointSlice), with the address it must resolve to. */
export function changeObjects(n: number, ns: string): { objects: Applied; name: string; ip: string } {
  const name = `change-${n}`
  const ip = `10.100.${(n >>> 8) & 255}.${n & 255}`
  return {
    objects: [
      ['services', service(ns, name, { clusterIPs: [ip] })],
      [
        'endpointslices',
        endpointSlice(ns, `${name}-abcde`, name, 'IPv4', [{ addresses: [POD(1_000_000 + n)], ready: true }]),
      ],
    ],
    name: `${name}.${ns}.svc.cluster.local`,
    ip,
  }
}
