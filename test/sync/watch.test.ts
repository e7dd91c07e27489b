import { afterEach, expect, test } from 'vitest'
import { SyncMetrics } from '../../src/sync/metrics.ts'
import { ClusterWatch, type WatchSettings } from '../../src/sync/watch.ts'
import { FakeKubeApi, type FakeKubeOptions } from './k8s-api.ts'
import { endpointSlice, meshConfigMap, namespace, service, serviceEntry, workloadEntry } from './k8s-objects.ts'
import { captureLog, valueOf, waitFor, type LogCapture } from './harness.ts'

const settings: WatchSettings = {
  timeoutSeconds: 30,
  pageSize: 2,
  reconnect: { baseMs: 20, maxMs: 100 },
  recheckMs: 60_000,
  meshConfig: { namespace: 'istio-system', name: 'istio' },
}

let stops: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const stop of stops.reverse()) await stop()
  stops = []
})

async function setup(options: FakeKubeOptions = {}, overrides: Partial<WatchSettings> = {}) {
  const api = await FakeKubeApi.start(options)
  stops.push(() => api.close())
  for (const ns of ['bookinfo', 'vm', 'istio-system']) api.apply('namespaces', namespace(ns))
  for (let i = 0; i < 5; i++)
    api.apply('services', service('bookinfo', `svc-${i}`, { clusterIPs: [`10.96.0.${i + 1}`] }))
  const metrics = new SyncMetrics()
  const logs: LogCapture = captureLog()
  let changes = 0
  const watch = new ClusterWatch(api.kubeConfig(), { ...settings, ...overrides }, metrics, logs.log)
  const start = () => {
    watch.start(() => changes++)
    stops.push(() => watch.stop())
  }
  const names = () =>
    watch
      .state()
      .services.map((s) => s.name)
      .sort()
  return { api, watch, metrics, logs, start, names, changes: () => changes }
}

test('not ready until every informer has finished its initial list', async () => {
  const { api, watch, start } = await setup()
  const release = api.holdLists('endpointslices')
  start()
  await waitFor(() => api.requests.some((r) => r.path === '/api/v1/services' && r.query.get('watch') === 'true'))
  await new Promise((r) => setTimeout(r, 100))
  expect(watch.isReady()).toBe(false)
  release()
  await watch.ready
  expect(watch.isReady()).toBe(true)
})

test('lists come in pages, watches ask for bookmarks and a server-side timeout', async () => {
  const { api, watch, start, names } = await setup()
  start()
  await watch.ready
  expect(names()).toEqual(['svc-0', 'svc-1', 'svc-2', 'svc-3', 'svc-4'])
  const lists = api.requests.filter((r) => r.path === '/api/v1/services' && r.query.get('watch') !== 'true')
  expect(lists.map((r) => r.query.get('limit'))).toEqual(['2', '2', '2'])
  expect(lists.filter((r) => r.query.get('continue')).length).toBe(2)
  const w = api.requests.find((r) => r.path === '/api/v1/services' && r.query.get('watch') === 'true')!
  expect(w.query.get('allowWatchBookmarks')).toBe('true')
  expect(w.query.get('timeoutSeconds')).toBe('30')
  expect(w.query.get('resourceVersion')).toMatch(/^\d+$/)
  const slices = api.requests.find((r) => r.path === '/apis/discovery.k8s.io/v1/endpointslices')!
  expect(slices.query.get('labelSelector')).toBe('kubernetes.io/service-name')
  const mesh = api.requests.find((r) => r.path === '/api/v1/namespaces/istio-system/configmaps')!
  expect(mesh.query.get('fieldSelector')).toBe('metadata.name=istio')
})

test('watch events update the state: add, modify, delete, for every resource', async () => {
  const { api, watch, start } = await setup()
  start()
  await watch.ready
  api.apply('services', service('bookinfo', 'svc-0', { clusterIPs: ['10.96.9.9'] }))
  api.delete('services', 'bookinfo', 'svc-1')
  api.apply('endpointslices', endpointSlice('bookinfo', 'db-1', 'db', 'IPv4', [{ addresses: ['10.244.0.1'] }]))
  api.apply('serviceentries', serviceEntry('vm', 'mysql', { hosts: ['mysql.example.com'] }))
  api.apply('workloadentries', workloadEntry('vm', 'w', '10.0.0.7', { app: 'mysql' }))
  api.apply('configmaps', meshConfigMap('defaultServiceExportTo: ["."]'))
  api.apply('configmaps', { ...meshConfigMap(''), metadata: { name: 'other', namespace: 'istio-system' } })
  await waitFor(
    () => {
      const s = watch.state()
      return (
        s.services.find((x) => x.name === 'svc-0')?.clusterIPs[0] === '10.96.9.9' &&
        !s.services.some((x) => x.name === 'svc-1') &&
        s.slices.length === 1 &&
        s.serviceEntries.length === 1 &&
        s.workloadEntries.length === 1 &&
        watch.mesh().serviceExportTo?.[0] === '.'
      )
    },
    3000,
    'every event applied'
  )
})

test('410 Gone on the watch: the informer lists again and converges on what changed meanwhile', async () => {
  const { api, watch, metrics, start, names } = await setup()
  start()
  await watch.ready
  await waitFor(() => api.watchCount('services') === 1)
  const listsBefore = api.requests.filter(
    (r) => r.path === '/api/v1/services' && r.query.get('watch') !== 'true'
  ).length
  // Changes the client never sees as events: it must find them by listing again.
  api.apply('services', service('bookinfo', 'svc-new'))
  api.expireWatches('services')
  api.delete('services', 'bookinfo', 'svc-2')
  await waitFor(() => names().includes('svc-new') && !names().includes('svc-2'), 3000, 'relist')
  const listsAfter = api.requests.filter((r) => r.path === '/api/v1/services' && r.query.get('watch') !== 'true').length
  expect(listsAfter).toBeGreaterThan(listsBefore)
  expect(await valueOf(metrics.watchRestarts, { resource: 'services', reason: 'gone' })).toBeGreaterThanOrEqual(1)
})

test('a watch from a compacted resourceVersion gets an ERROR 410 event and relists', async () => {
  const { api, watch, start, names } = await setup()
  start()
  await watch.ready
  await waitFor(() => api.watchCount('services') === 1)
  api.store.compact()
  api.apply('services', service('bookinfo', 'after-compaction'))
  api.closeWatches('services') // the client resumes from its old resourceVersion, now too old
  await waitFor(() => names().includes('after-compaction'), 3000)
})

test('dropped watch connections: the informer reconnects and catches up from its resourceVersion', async () => {
  const { api, watch, metrics, start, names } = await setup()
  start()
  await watch.ready
  await waitFor(() => api.watchCount() === 7) // one per resource (resources.ts), views included
  api.dropWatches()
  api.apply('services', service('bookinfo', 'while-dropped'))
  api.delete('services', 'bookinfo', 'svc-0')
  await waitFor(() => names().includes('while-dropped') && !names().includes('svc-0'), 3000, 'catch-up')
  await waitFor(() => api.watchCount() === 7, 3000, 'every watch reopened')
  expect(await valueOf(metrics.watchRestarts, { resource: 'services', reason: 'error' })).toBeGreaterThanOrEqual(1)
})

test('a watch the server ends (timeoutSeconds) is reopened; bookmarks keep the resourceVersion fresh', async () => {
  const { api, watch, metrics, start, names } = await setup({ bookmarkIntervalMs: 50 }, { timeoutSeconds: 1 })
  start()
  await watch.ready
  // A write elsewhere moves the cluster's resourceVersion on; only bookmarks tell the services watch.
  api.apply('namespaces', namespace('elsewhere'))
  await waitFor(
    async () => (await valueOf(metrics.watchRestarts, { resource: 'services', reason: 'closed' })) >= 1,
    3000
  )
  api.apply('services', service('bookinfo', 'after-timeout'))
  await waitFor(() => names().includes('after-timeout'), 3000)
  const resumed = api.requests.filter((r) => r.path === '/api/v1/services' && r.query.get('watch') === 'true')
  expect(resumed.length).toBeGreaterThanOrEqual(2)
  // The second watch resumes from a bookmark's resourceVersion, not from the list's.
  expect(Number(resumed[1]!.query.get('resourceVersion'))).toBeGreaterThan(
    Number(resumed[0]!.query.get('resourceVersion'))
  )
})

test('failing lists are retried with backoff; readiness waits for them', async () => {
  const { api, watch, start } = await setup()
  api.failNext('services', 500, 503)
  start()
  await watch.ready
  const lists = api.requests.filter(
    (r) => r.path === '/api/v1/services' && !r.query.get('continue') && r.query.get('watch') !== 'true'
  )
  expect(lists.length).toBe(3)
})

test('without Istio CRDs: ready with Services alone, and said once in the log', async () => {
  const { watch, logs, start } = await setup({ istio: false })
  start()
  await watch.ready
  expect(watch.state().services).toHaveLength(5)
  expect(watch.state().serviceEntries).toEqual([])
  expect(logs.messages().filter((m) => m.includes('Istio'))).toEqual([
    "Istio's CRDs are not installed: publishing Services only",
  ])
  expect(logs.records.filter((r) => r['msg'] === 'list/watch failed; restarting')).toEqual([])
})

test('an expired continue token (410 between pages) falls back to one full list', async () => {
  const { api, watch, start, names } = await setup()
  let compacted = false
  api.beforeList = (plural, query) => {
    if (plural === 'services' && query.get('continue') && !compacted) {
      compacted = true
      api.store.compact()
      api.apply('services', service('bookinfo', 'between-pages'))
    }
  }
  start()
  await watch.ready
  expect(names()).toContain('between-pages')
  const full = api.requests.filter(
    (r) => r.path === '/api/v1/services' && r.query.get('watch') !== 'true' && !r.query.get('limit')
  )
  expect(full).toHaveLength(1)
})

test('the kubeconfig credentials are sent; with a wrong token it never becomes ready', async () => {
  const api = await FakeKubeApi.start()
  stops.push(() => api.close())
  const kc = api.kubeConfig()
  kc.users[0] = { name: 'fake', token: 'wrong' }
  const watch = new ClusterWatch(kc, settings, new SyncMetrics(), captureLog().log)
  watch.start(() => {})
  stops.push(() => watch.stop())
  await waitFor(() => api.requests.length >= 6)
  await new Promise((r) => setTimeout(r, 100))
  expect(watch.isReady()).toBe(false)
})

test('mesh config forbidden (no istio-system Role): ready without it, one warn naming the grant, a gauge', async () => {
  const { api, watch, metrics, logs, start } = await setup({}, { recheckMs: 50 })
  api.apply('configmaps', meshConfigMap('defaultServiceExportTo: ["."]'))
  api.forbid('configmaps', 'istio-system')
  start()
  await waitFor(() => watch.isReady(), 3000, 'ready despite the 403')
  expect(watch.mesh()).toEqual({})
  // Rechecked every 50 ms, still said once.
  await waitFor(() => api.requests.filter((r) => r.path.endsWith('/configmaps')).length >= 4, 3000)
  const warns = logs.records.filter((r) => r['level'] === 40 && r['source'] === 'meshconfig')
  expect(warns).toHaveLength(1)
  expect(warns[0]!['msg']).toContain('grant get/list/watch on configmaps "istio" in namespace istio-system')
  expect(warns[0]!['err']).toContain('cannot list resource "configmaps"')
  expect(logs.records.filter((r) => r['msg'] === 'list/watch failed; restarting')).toEqual([])
  expect(await valueOf(metrics.sourceUnavailable, { source: 'meshconfig', reason: 'forbidden' })).toBe(1)
  expect(watch.unavailable()).toEqual([
    'meshconfig: forbidden (needs get/list/watch on configmaps "istio" in namespace istio-system)',
  ])
  // Granted later: read from then on, and the gauge says so.
  api.allow('configmaps', 'istio-system')
  await waitFor(() => watch.mesh().serviceExportTo?.[0] === '.', 3000, 'mesh config read after the grant')
  expect(await valueOf(metrics.sourceUnavailable, { source: 'meshconfig', reason: 'forbidden' })).toBe(0)
  expect(watch.unavailable()).toEqual([])
})

test('Istio CRDs forbidden: ready with Services alone, each CRD named once', async () => {
  const { api, watch, logs, start } = await setup()
  api.apply('serviceentries', serviceEntry('vm', 'mysql', { hosts: ['mysql.example.com'] }))
  api.forbid('serviceentries')
  api.forbid('workloadentries')
  start()
  await waitFor(() => watch.isReady(), 3000, 'ready despite the 403s')
  expect(watch.state().services).toHaveLength(5)
  expect(watch.state().serviceEntries).toEqual([])
  const warns = logs.records.filter((r) => r['level'] === 40).map((r) => r['source'])
  expect(warns.sort()).toEqual(['serviceentries', 'workloadentries'])
  expect(watch.unavailable()).toHaveLength(2)
})

test('a 403 on a required source is not skipped: readiness waits for it', async () => {
  const { api, watch, logs, start } = await setup()
  api.forbid('services')
  start()
  await waitFor(() => logs.records.some((r) => r['permission'] === 'get/list/watch on services (cluster-wide)'))
  await new Promise((r) => setTimeout(r, 100))
  expect(watch.isReady()).toBe(false)
})

const istioPaths = (api: FakeKubeApi) => [
  ...new Set(api.requests.filter((r) => r.path.startsWith('/apis/networking.istio.io')).map((r) => r.path)),
]

test('Istio older than 1.22 (v1beta1 only): ServiceEntries and WorkloadEntries are read at v1beta1', async () => {
  const { api, watch, start } = await setup({ istioVersions: ['v1beta1', 'v1alpha3'] })
  api.apply('serviceentries', serviceEntry('vm', 'mysql', { hosts: ['mysql.example.com'] }))
  api.apply('workloadentries', workloadEntry('vm', 'w', '10.0.0.7', { app: 'mysql' }))
  start()
  await watch.ready
  expect(watch.state().serviceEntries.map((s) => s.name)).toEqual(['mysql'])
  expect(watch.state().workloadEntries).toHaveLength(1)
  expect(istioPaths(api).sort()).toEqual([
    '/apis/networking.istio.io',
    '/apis/networking.istio.io/v1beta1/serviceentries',
    '/apis/networking.istio.io/v1beta1/workloadentries',
  ])
  // Watched there too: a later entry arrives as an event.
  api.apply('serviceentries', serviceEntry('vm', 'later', { hosts: ['later.example.com'] }))
  await waitFor(() => watch.state().serviceEntries.length === 2, 3000, 'the v1beta1 watch event')
})

test('v1 is preferred over v1beta1 when both are served', async () => {
  const { api, watch, start } = await setup({ istioVersions: ['v1beta1', 'v1'] })
  start()
  await watch.ready
  expect(istioPaths(api).sort()).toEqual([
    '/apis/networking.istio.io',
    '/apis/networking.istio.io/v1/serviceentries',
    '/apis/networking.istio.io/v1/workloadentries',
  ])
})

test('neither v1 nor v1beta1 served: Istio counts as absent, said once, and the gauge says so', async () => {
  const { api, watch, metrics, logs, start } = await setup({ istioVersions: ['v1alpha3'] })
  start()
  await watch.ready
  expect(istioPaths(api)).toEqual(['/apis/networking.istio.io'])
  expect(logs.messages().filter((m) => m.includes('Istio'))).toEqual([
    "Istio's CRDs are not installed: publishing Services only",
  ])
  expect(await valueOf(metrics.sourceUnavailable, { source: 'serviceentries', reason: 'absent' })).toBe(1)
  expect(watch.unavailable()).toEqual(['serviceentries: absent', 'workloadentries: absent'])
})

test('the reconnect backoff starts over after two minutes without a failure (injected clock)', async () => {
  let now = 1_000_000
  const reconnect = { baseMs: 20, maxMs: 5000 }
  const { api, watch, logs, start } = await setup({}, { reconnect, now: () => now })
  start()
  await watch.ready
  const watches = () => api.requests.filter((r) => r.path === '/api/v1/services' && r.query.get('watch') === 'true')
  const waits = () =>
    logs.records.filter((r) => r['resource'] === 'services' && r['retryInMs'] !== undefined).map((r) => r['retryInMs'])
  // Drops the services watch and returns the wait before the reconnect, once the watch is back.
  const reset = async () => {
    const [before, logged] = [watches().length, waits().length]
    await waitFor(() => api.watchCount('services') === 1, 3000, 'an open watch')
    api.dropWatches('services')
    await waitFor(() => watches().length > before, 3000, 'the reconnect')
    return Number(waits()[logged])
  }
  for (let n = 0; n < 5; n++) {
    const wait = await reset()
    expect(wait).toBeGreaterThanOrEqual((20 * 2 ** n) / 2 - 1)
    expect(wait).toBeLessThanOrEqual(20 * 2 ** n + 1)
    now += 1000
  }
  now += 60_000 // one minute of healthy watching: still backing off
  expect(await reset()).toBeGreaterThanOrEqual((20 * 2 ** 5) / 2 - 1)
  now += 150_000 // two and a half: the first step again
  expect(await reset()).toBeLessThanOrEqual(21)
})
