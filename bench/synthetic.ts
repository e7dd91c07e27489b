/**
 * Synthetic registry snapshots shaped like real clusters, deterministic for a given seed:
 * one to three ports per Service, 20% headless with 3–10 endpoints (half StatefulSet-style
 * with hostnames), 10% dual-stack, 1% ExternalName, one namespace per 40 Services, exportTo
 * mostly default, and one ServiceEntry per ten Services (external APIs with auto-allocated
 * per-host VIPs, wildcards, static VIPs with VM endpoints, multi-host entries).
 */
import type { SnapshotInput } from '../src/registry/schema.ts'
import { seeded as prng } from '../test/helpers/random.ts'

export { prng }

type ServiceIn = NonNullable<SnapshotInput['services']>[number]
type EntryIn = NonNullable<SnapshotInput['serviceEntries']>[number]
type PortIn = NonNullable<ServiceIn['ports']>[number]

export interface SyntheticOptions {
  services: number
  seed?: number
  cluster?: string
  revision?: number
}

const WORDS = [
  'reviews',
  'ratings',
  'details',
  'payments',
  'orders',
  'cart',
  'search',
  'auth',
  'users',
  'inventory',
  'shipping',
  'catalog',
]
const PORTS: PortIn[][] = [
  [{ name: 'http', port: 80, protocol: 'TCP' }],
  [
    { name: 'http', port: 8080, protocol: 'TCP' },
    { name: 'grpc', port: 9090, protocol: 'TCP' },
  ],
  [
    { name: 'http', port: 80, protocol: 'TCP' },
    { name: 'https', port: 443, protocol: 'TCP' },
    { name: 'http-metrics', port: 15020, protocol: 'TCP' },
  ],
  [{ name: 'mysql', port: 3306, protocol: 'TCP' }],
  [
    { name: 'dns', port: 53, protocol: 'UDP' },
    { name: 'dns-tcp', port: 53, protocol: 'TCP' },
  ],
]

/** The n-th address counted from `base` (a.b.c.d as a 32-bit number). */
function ipv4(base: number, n: number): string {
  const v = (base + n) >>> 0
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`
}
const CLUSTER_IPS = (10 << 24) | (96 << 16)
const POD_IPS = (10 << 24) | (128 << 16)
const STATIC_VIPS = (240 << 24) | (241 << 16)
const AUTO_VIPS = (240 << 24) | (240 << 16)
const VM_IPS = (192 << 24) | (168 << 16)

export function namespacesFor(services: number): string[] {
  const count = Math.max(4, Math.round(services / 40))
  return ['istio-system', ...Array.from({ length: count - 1 }, (_, i) => `ns-${i}`)]
}

function exportToOf(random: () => number, namespace: string, namespaces: string[]): string[] | undefined {
  const r = random()
  if (r < 0.75) return undefined
  if (r < 0.9) return ['.']
  return [namespace, 'istio-system', namespaces[Math.floor(random() * namespaces.length)]!]
}

export function syntheticSnapshot(options: SyntheticOptions): SnapshotInput {
  const random = prng(options.seed ?? 1)
  const namespaces = namespacesFor(options.services)
  const services: ServiceIn[] = []
  let pods = 0
  for (let i = 0; i < options.services; i++) {
    const namespace = namespaces[i % namespaces.length]!
    const name = `${WORDS[i % WORDS.length]}-${i}`
    const ports = PORTS[Math.floor(random() * PORTS.length)]!
    const exportTo = exportToOf(random, namespace, namespaces)
    const kind = random()
    const base = { name, namespace, ports, ...(exportTo ? { exportTo } : {}) }
    if (kind < 0.01) services.push({ ...base, externalName: `${name}.legacy.example.net` })
    else if (kind < 0.21) {
      const count = 3 + Math.floor(random() * 8)
      const named = random() < 0.5
      const endpoints = Array.from({ length: count }, (_, k) => ({
        addresses: [ipv4(POD_IPS, pods++)],
        ...(named ? { hostname: `${name}-${k}` } : {}),
      }))
      services.push({ ...base, clusterIPs: [], endpoints })
    } else {
      const clusterIPs = [ipv4(CLUSTER_IPS, i + 10)]
      if (random() < 0.1)
        clusterIPs.push(`fd00:10:96::${((i + 10) >>> 16).toString(16)}:${((i + 10) & 0xffff).toString(16)}`)
      services.push({ ...base, clusterIPs })
    }
  }
  return {
    apiVersion: 'meshdoh/v1',
    kind: 'RegistrySnapshot',
    cluster: options.cluster ?? 'bench',
    revision: options.revision ?? 1,
    generatedAt: '2026-11-24T19:00:00Z',
    clusterDomain: 'cluster.local',
    ttl: 30,
    services,
    serviceEntries: syntheticEntries(random, Math.round(options.services / 10), namespaces),
    serviceCIDRs: ['10.96.0.0/12', 'fd00:10:96::/96'],
    namespaces,
  }
}

function syntheticEntries(random: () => number, count: number, namespaces: string[]): EntryIn[] {
  const entries: EntryIn[] = []
  for (let i = 0; i < count; i++) {
    const namespace = namespaces[(i * 7) % namespaces.length]!
    const exportTo = exportToOf(random, namespace, namespaces)
    const base = {
      name: `se-${i}`,
      namespace,
      ports: [{ name: 'tls', port: 443, protocol: 'TLS' }],
      ...(exportTo ? { exportTo } : {}),
    }
    const shape = random()
    if (shape < 0.4) {
      // An external API, resolution DNS; Istio auto-allocates a VIP per host.
      const host = `api-${i}.partner-${i % 97}.example.com`
      const hostAddresses =
        random() < 0.6
          ? { [host]: [ipv4(AUTO_VIPS, i), `2001:2::${(i >>> 16).toString(16)}:${(i & 0xffff).toString(16)}`] }
          : undefined
      entries.push({ ...base, hosts: [host], resolution: 'DNS', ...(hostAddresses ? { hostAddresses } : {}) })
    } else if (shape < 0.6) {
      entries.push({
        ...base,
        hosts: [`*.svc-${i}.example.org`],
        addresses: [ipv4(STATIC_VIPS, i)],
        resolution: 'NONE',
      })
    } else if (shape < 0.8) {
      // A VM in the mesh: a static VIP in front of WorkloadEntry addresses.
      entries.push({
        ...base,
        hosts: [`vm-${i}.${namespace}.vm.internal`],
        addresses: [ipv4(STATIC_VIPS, i)],
        endpoints: [{ addresses: [ipv4(VM_IPS, 2 * i)] }, { addresses: [ipv4(VM_IPS, 2 * i + 1)] }],
        resolution: 'STATIC',
      })
    } else {
      const hosts = Array.from({ length: 2 + Math.floor(random() * 2) }, (_, k) => `h${k}.multi-${i}.example.com`)
      entries.push({ ...base, hosts, addresses: [ipv4(STATIC_VIPS, i)], resolution: 'STATIC' })
    }
  }
  return entries
}
