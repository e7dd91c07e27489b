import { describe, expect, test } from 'vitest'
import { parseSnapshot } from '../../src/registry/validate.ts'
import { buildSnapshot, headlessEndpoints, type ClusterState } from '../../src/sync/build.ts'
import type { ServiceEntryRecord, ServiceRecord, WorkloadEntryRecord } from '../../src/sync/objects.ts'
import { stampSnapshot } from '../../src/sync/revision.ts'

const options = { cluster: 'east-1', clusterDomain: 'cluster.local', ttl: 30 }
const empty: ClusterState = { services: [], slices: [], serviceEntries: [], workloadEntries: [], namespaces: [] }
const svc = (name: string, extra: Partial<ServiceRecord> = {}): ServiceRecord => ({
  namespace: 'bookinfo',
  name,
  clusterIPs: [],
  ports: [],
  publishNotReadyAddresses: false,
  ...extra,
})
const entry = (name: string, extra: Partial<ServiceEntryRecord> = {}): ServiceEntryRecord => ({
  namespace: 'vm',
  name,
  hosts: [`${name}.example.com`],
  addresses: [],
  allocated: [],
  ports: [],
  endpoints: [],
  ...extra,
})
const valid = (content: ReturnType<typeof buildSnapshot>['content']) =>
  parseSnapshot(stampSnapshot(content, 1, new Date()), 'east-1')

describe('buildSnapshot', () => {
  test('an empty cluster is a valid snapshot that publishes nothing', () => {
    const { content } = buildSnapshot(empty, {}, options)
    expect(content).toMatchObject({ cluster: 'east-1', services: [], serviceEntries: [], namespaces: [] })
    expect(valid(content).ok).toBe(true)
  })

  test('headless endpoints: ready only, across slices and families, merged by hostname', () => {
    const slices = [
      {
        namespace: 'bookinfo',
        service: 'db',
        endpoints: [
          { addresses: ['10.244.1.9'], hostname: 'db-0', ready: true },
          { addresses: ['10.244.2.4'], hostname: 'db-1', ready: false },
          { addresses: ['10.244.3.3'], ready: true },
        ],
      },
      { namespace: 'bookinfo', service: 'db', endpoints: [{ addresses: ['fd00::9'], hostname: 'db-0', ready: true }] },
      { namespace: 'other', service: 'db', endpoints: [{ addresses: ['10.9.9.9'], ready: true }] },
    ]
    const { content } = buildSnapshot({ ...empty, services: [svc('db')], slices }, {}, options)
    expect(content.services).toEqual([
      {
        name: 'db',
        namespace: 'bookinfo',
        clusterIPs: [],
        endpoints: [{ addresses: ['10.244.1.9', 'fd00::9'], hostname: 'db-0' }, { addresses: ['10.244.3.3'] }],
      },
    ])
  })

  test('publishNotReadyAddresses counts not-ready endpoints', () => {
    const slices = [
      {
        namespace: 'bookinfo',
        service: 'db',
        endpoints: [{ addresses: ['10.0.0.2'], hostname: 'db-1', ready: false }],
      },
    ]
    expect(headlessEndpoints(slices, true)).toEqual([{ addresses: ['10.0.0.2'], hostname: 'db-1' }])
    expect(headlessEndpoints(slices, false)).toEqual([])
  })

  test('services with ClusterIPs carry no endpoints; ExternalName carries its target', () => {
    const slices = [
      { namespace: 'bookinfo', service: 'reviews', endpoints: [{ addresses: ['10.244.0.1'], ready: true }] },
    ]
    const services = [
      svc('reviews', { clusterIPs: ['10.96.0.7'] }),
      svc('legacy', { externalName: 'legacy.corp.example.com' }),
    ]
    const { content } = buildSnapshot({ ...empty, services, slices }, {}, options)
    expect(content.services).toEqual([
      { name: 'legacy', namespace: 'bookinfo', externalName: 'legacy.corp.example.com' },
      { name: 'reviews', namespace: 'bookinfo', clusterIPs: ['10.96.0.7'] },
    ])
  })

  test('mesh defaults fill in exportTo only where the object has none', () => {
    const state = {
      ...empty,
      services: [svc('a', { clusterIPs: ['10.96.0.1'] }), svc('b', { clusterIPs: ['10.96.0.2'], exportTo: ['*'] })],
      serviceEntries: [
        entry('c', { addresses: ['240.240.0.1'] }),
        entry('d', { addresses: ['240.240.0.2'], exportTo: ['.'] }),
      ],
    }
    const { content } = buildSnapshot(state, { serviceExportTo: ['.'], serviceEntryExportTo: ['~'] }, options)
    expect(content.services?.map((s) => s.exportTo)).toEqual([['.'], ['*']])
    expect(content.serviceEntries?.map((s) => s.exportTo)).toEqual([['~'], ['.']])
    const plain = buildSnapshot(state, {}, options).content
    expect(plain.services?.[0]).not.toHaveProperty('exportTo')
  })

  test('ServiceEntry: per-host allocated VIPs; endpoints and selected WorkloadEntries only without spec.addresses', () => {
    const workloadEntries: WorkloadEntryRecord[] = [
      { namespace: 'vm', name: 'w1', address: '10.0.0.7', labels: { app: 'mysql', version: 'v1' } },
      { namespace: 'vm', name: 'w2', address: '10.0.0.8', labels: { app: 'other' } },
      { namespace: 'elsewhere', name: 'w3', address: '10.0.0.9', labels: { app: 'mysql' } },
    ]
    const serviceEntries = [
      entry('mysql', {
        hosts: ['mysql.example.com', 'mysql2.example.com'],
        allocated: [
          { host: 'mysql.example.com', value: '2001:2::1' },
          { host: 'mysql.example.com', value: '240.240.0.9' },
          { host: 'unknown.example.com', value: '240.240.0.10' },
        ],
        endpoints: ['10.0.0.1'],
        selector: { app: 'mysql' },
        resolution: 'STATIC',
      }),
      entry('vip', { addresses: ['240.240.0.5'], endpoints: ['10.0.0.2'] }),
      entry('empty-selector', { selector: {} }),
    ]
    const { content } = buildSnapshot({ ...empty, serviceEntries, workloadEntries }, {}, options)
    expect(content.serviceEntries).toEqual([
      { name: 'empty-selector', namespace: 'vm', hosts: ['empty-selector.example.com'] },
      {
        name: 'mysql',
        namespace: 'vm',
        hosts: ['mysql.example.com', 'mysql2.example.com'],
        hostAddresses: { 'mysql.example.com': ['240.240.0.9', '2001:2::1'] },
        endpoints: [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.7'] }],
        resolution: 'STATIC',
      },
      { name: 'vip', namespace: 'vm', hosts: ['vip.example.com'], addresses: ['240.240.0.5'] },
    ])
    expect(valid(content).ok).toBe(true)
  })

  test('an object the schema refuses is left out and reported; the rest still builds', () => {
    const state = {
      ...empty,
      services: [svc('ok', { clusterIPs: ['10.96.0.1'] }), svc('bad', { externalName: 'not a name!' })],
      serviceEntries: [entry('bad-host', { hosts: ['exa mple.com'] })],
      namespaces: ['bookinfo', 'Not_A_Label'],
    }
    const { content, skipped } = buildSnapshot(state, {}, options)
    expect(content.services?.map((s) => s.name)).toEqual(['ok'])
    expect(content.serviceEntries).toEqual([])
    expect(content.namespaces).toEqual(['bookinfo'])
    expect(skipped.map((s) => [s.kind, s.name, s.path])).toEqual([
      ['Service', 'bad', 'externalName'],
      ['ServiceEntry', 'bad-host', 'hosts[0]'],
      ['Namespace', 'Not_A_Label', ''],
    ])
    expect(valid(content).ok).toBe(true)
  })

  test('output does not depend on the order the caches hold objects in', () => {
    const services = [svc('b', { clusterIPs: ['10.96.0.2'] }), svc('a', { clusterIPs: ['10.96.0.1'] })]
    const one = buildSnapshot({ ...empty, services, namespaces: ['y', 'x'] }, {}, options).content
    const two = buildSnapshot(
      { ...empty, services: [...services].reverse(), namespaces: ['x', 'y'] },
      {},
      options
    ).content
    expect(JSON.stringify(one)).toBe(JSON.stringify(two))
  })

  test('service CIDRs are passed through', () => {
    const { content } = buildSnapshot(empty, {}, { ...options, serviceCIDRs: ['10.96.0.0/12'] })
    expect(content.serviceCIDRs).toEqual(['10.96.0.0/12'])
  })
})
