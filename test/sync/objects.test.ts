import type { V1EndpointSlice, V1Service } from '@kubernetes/client-node'
import { describe, expect, test } from 'vitest'
import { parseMeshConfig } from '../../src/sync/mesh-config.ts'
import {
  parseExportTo,
  toService,
  toServiceEntry,
  toSlice,
  toWorkloadEntry,
  transportOf,
} from '../../src/sync/objects.ts'
import { endpointSlice, service, serviceEntry, workloadEntry } from './k8s-objects.ts'
import { FakeStore } from './k8s-store.ts'

// Objects go through the fake store first, so they carry uid, resourceVersion and timestamps.
const store = new FakeStore()
const svc = (obj: ReturnType<typeof service>) => toService(store.apply('services', obj) as unknown as V1Service)
const slice = (obj: ReturnType<typeof endpointSlice>) =>
  toSlice(store.apply('endpointslices', obj) as unknown as V1EndpointSlice)

describe('toService', () => {
  test('dual-stack ClusterIPs and ports are kept', () => {
    const rec = svc(
      service('bookinfo', 'reviews', {
        clusterIPs: ['10.96.12.7', 'fd00:10:96::c07'],
        ports: [{ name: 'http', port: 9080 }],
      })
    )
    expect(rec).toEqual({
      namespace: 'bookinfo',
      name: 'reviews',
      clusterIPs: ['10.96.12.7', 'fd00:10:96::c07'],
      ports: [{ name: 'http', port: 9080, protocol: 'TCP' }],
      publishNotReadyAddresses: false,
    })
  })

  test('headless: "None" is not an address', () => {
    expect(svc(service('bookinfo', 'db', { headless: true })).clusterIPs).toEqual([])
  })

  test('ExternalName: the target name, no addresses', () => {
    const rec = svc(service('bookinfo', 'legacy', { externalName: 'legacy.corp.example.com' }))
    expect(rec.externalName).toBe('legacy.corp.example.com')
    expect(rec.clusterIPs).toEqual([])
  })

  test('exportTo annotation is split on commas; publishNotReadyAddresses is read', () => {
    const rec = svc(
      service('bookinfo', 'x', {
        annotations: { 'networking.istio.io/exportTo': ' ., istio-system ' },
        publishNotReadyAddresses: true,
      })
    )
    expect(rec.exportTo).toEqual(['.', 'istio-system'])
    expect(rec.publishNotReadyAddresses).toBe(true)
    expect(parseExportTo('')).toBeUndefined()
  })
})

describe('toSlice', () => {
  test('endpoints keep readiness (absent means ready) and hostnames', () => {
    const rec = slice(
      endpointSlice('bookinfo', 'db-abc', 'db', 'IPv4', [
        { addresses: ['10.244.1.9'], hostname: 'db-0', ready: true },
        { addresses: ['10.244.2.4'], ready: false },
        { addresses: ['10.244.3.1'] },
      ])
    )
    expect(rec).toEqual({
      namespace: 'bookinfo',
      service: 'db',
      endpoints: [
        { addresses: ['10.244.1.9'], hostname: 'db-0', ready: true },
        { addresses: ['10.244.2.4'], ready: false },
        { addresses: ['10.244.3.1'], ready: true },
      ],
    })
  })

  test('FQDN slices and slices of no Service are ignored', () => {
    expect(slice(endpointSlice('bookinfo', 'f', 'db', 'FQDN', [{ addresses: ['db.example.com'] }]))).toBeUndefined()
    const orphan = endpointSlice('bookinfo', 'o', 'db', 'IPv4', [])
    orphan.metadata.labels = {}
    expect(slice(orphan)).toBeUndefined()
  })
})

describe('Istio objects', () => {
  test('ServiceEntry: hosts, addresses, allocated addresses, ports mapped to TCP/UDP, IP endpoints only', () => {
    const se = serviceEntry(
      'vm',
      'mysql',
      {
        hosts: ['mysql.vm.svc.cluster.local', 'db.example.com'],
        addresses: ['240.240.0.5'],
        ports: [
          { number: 3306, name: 'mysql', protocol: 'TCP' },
          { number: 443, name: 'https', protocol: 'HTTPS' },
          { number: 53, name: 'dns', protocol: 'UDP' },
        ],
        endpoints: [{ address: '10.0.0.1' }, { address: 'vm.example.com' }, { address: 'unix:///var/run/a.sock' }],
        exportTo: ['.'],
        resolution: 'STATIC',
      },
      {
        addresses: [
          { value: '240.240.1.1', host: 'db.example.com' },
          { value: 'bogus', host: 'db.example.com' },
        ],
      }
    )
    expect(toServiceEntry(store.apply('serviceentries', se))).toEqual({
      namespace: 'vm',
      name: 'mysql',
      hosts: ['mysql.vm.svc.cluster.local', 'db.example.com'],
      addresses: ['240.240.0.5'],
      allocated: [{ host: 'db.example.com', value: '240.240.1.1' }],
      ports: [
        { name: 'mysql', port: 3306, protocol: 'TCP' },
        { name: 'https', port: 443, protocol: 'TCP' },
        { name: 'dns', port: 53, protocol: 'UDP' },
      ],
      endpoints: ['10.0.0.1'],
      resolution: 'STATIC',
      exportTo: ['.'],
    })
    expect(transportOf('GRPC')).toBe('TCP')
  })

  test('WorkloadEntry: labels from spec, DNS addresses and failing health checks left out', () => {
    expect(toWorkloadEntry(workloadEntry('vm', 'a', '10.0.0.7', { app: 'mysql' }))).toEqual({
      namespace: 'vm',
      name: 'a',
      address: '10.0.0.7',
      labels: { app: 'mysql' },
    })
    expect(toWorkloadEntry(workloadEntry('vm', 'b', 'vm.example.com', { app: 'mysql' }))).toBeUndefined()
    const checked = workloadEntry('vm', 'c', '10.0.0.8', { app: 'mysql' })
    checked.metadata.annotations = { 'proxy.istio.io/health-checks-enabled': 'true' }
    expect(toWorkloadEntry(checked)).toBeUndefined()
    checked['status'] = { conditions: [{ type: 'Healthy', status: 'True' }] }
    expect(toWorkloadEntry(checked)?.address).toBe('10.0.0.8')
  })

  test('mesh config: the two exportTo defaults, errors reported rather than thrown', () => {
    expect(
      parseMeshConfig(
        'defaultServiceExportTo: ["."]\ndefaultServiceEntryExportTo:\n- "~"\naccessLogFile: /dev/stdout\n'
      )
    ).toEqual({
      serviceExportTo: ['.'],
      serviceEntryExportTo: ['~'],
    })
    expect(parseMeshConfig(undefined)).toEqual({})
    expect(parseMeshConfig('a: [').error).toMatch(/not YAML/)
  })
})
