import { afterEach, expect, test } from 'vitest'
import { parseSnapshot } from '../../src/registry/validate.ts'
import { FakeKubeApi } from './k8s-api.ts'
import { endpointSlice, meshConfigMap, namespace, service, serviceEntry } from './k8s-objects.ts'
import { FakeResolver } from './resolver.ts'
import { startSync, valueOf, waitFor } from './harness.ts'

let stops: (() => Promise<void>)[] = []
const resolvers: FakeResolver[] = []
afterEach(async () => {
  for (const stop of stops.reverse()) await stop()
  stops = []
  // Whatever a test did, every document that reached a resolver passed the shared schema.
  for (const r of resolvers.splice(0)) for (const put of r.pushes) expect(put.problem).toBeUndefined()
})

async function cluster(services = 3) {
  const api = await FakeKubeApi.start()
  stops.push(() => api.close())
  api.apply('namespaces', namespace('bookinfo'))
  for (let i = 0; i < services; i++)
    api.apply('services', service('bookinfo', `svc-${i}`, { clusterIPs: [`10.96.0.${i + 1}`] }))
  return api
}

async function resolver() {
  const r = await FakeResolver.start()
  resolvers.push(r)
  stops.push(() => r.close())
  return r
}

async function sync(api: FakeKubeApi, targets: FakeResolver[], extra: string[] = []) {
  const job = await startSync(
    api,
    targets.map((t) => t.url),
    extra
  )
  stops.push(() => job.stop())
  return job
}

const serviceNames = (r: FakeResolver) =>
  r
    .accepted('east-1')
    ?.services.map((s) => s.name)
    .sort() ?? []

test('no push before every informer has finished its initial list; then one complete snapshot', async () => {
  const api = await cluster()
  api.apply(
    'serviceentries',
    serviceEntry('bookinfo', 'ext', { hosts: ['ext.example.com'], addresses: ['240.240.0.1'] })
  )
  const r = await resolver()
  const release = api.holdLists('serviceentries')
  const job = await sync(api, [r])
  await waitFor(() => api.watchCount('services') === 1)
  api.apply('services', service('bookinfo', 'during-sync'))
  await new Promise((res) => setTimeout(res, 150))
  expect(r.pushes).toEqual([])
  expect(await valueOf(job.metrics.ready)).toBe(0)
  release()
  const first = await waitFor(() => r.accepted('east-1'))
  expect(first.serviceEntries.map((s) => s.name)).toEqual(['ext'])
  expect(serviceNames(r)).toEqual(['during-sync', 'svc-0', 'svc-1', 'svc-2'])
  expect(r.pushes).toHaveLength(1)
})

test('a burst of changes is coalesced into one push', async () => {
  const api = await cluster()
  const r = await resolver()
  await sync(api, [r], ['--debounce', '100ms', '--debounce-max', '2s'])
  await waitFor(() => r.accepted('east-1'))
  for (let i = 0; i < 30; i++) api.apply('services', service('bookinfo', `burst-${i}`))
  await waitFor(() => serviceNames(r).length === 33, 3000)
  expect(r.pushes).toHaveLength(2)
})

test('content that did not change is not pushed again', async () => {
  const api = await cluster()
  const r = await resolver()
  const job = await sync(api, [r])
  await waitFor(() => r.accepted('east-1'))
  // Changes that alter no published field: a label, and endpoints of a service with a ClusterIP.
  api.apply('services', {
    ...service('bookinfo', 'svc-0', { clusterIPs: ['10.96.0.1'] }),
    metadata: { name: 'svc-0', namespace: 'bookinfo', labels: { tier: 'x' } },
  })
  api.apply('endpointslices', endpointSlice('bookinfo', 'svc-1-abc', 'svc-1', 'IPv4', [{ addresses: ['10.244.0.5'] }]))
  await waitFor(() => job.logs.messages().filter((m) => m === 'content unchanged; not pushing').length >= 1, 3000)
  await new Promise((res) => setTimeout(res, 100))
  expect(r.pushes).toHaveLength(1)
})

test('shrink guard: a snapshot dropping most names is refused, logged and counted; growth pushes again', async () => {
  const api = await cluster(10)
  const r = await resolver()
  const job = await sync(api, [r])
  await waitFor(() => r.accepted('east-1'))
  for (let i = 0; i < 6; i++) api.delete('services', 'bookinfo', `svc-${i}`)
  await waitFor(async () => (await valueOf(job.metrics.shrinkRefusals)) === 1, 3000)
  expect(job.logs.records.find((rec) => String(rec['msg']).startsWith('shrink guard'))).toMatchObject({
    dropped: 6,
    baseline: 10,
  })
  expect(r.pushes).toHaveLength(1)
  for (let i = 0; i < 2; i++) api.apply('services', service('bookinfo', `svc-${i}`))
  await waitFor(() => serviceNames(r).length === 6, 3000)
  expect(await valueOf(job.metrics.shrinkRefusals)).toBe(1)
})

test('--max-shrink 1 lets a cluster be emptied', async () => {
  const api = await cluster(4)
  const r = await resolver()
  await sync(api, [r], ['--max-shrink', '1'])
  await waitFor(() => r.accepted('east-1'))
  for (let i = 0; i < 4; i++) api.delete('services', 'bookinfo', `svc-${i}`)
  await waitFor(() => r.pushes.length === 2 && serviceNames(r).length === 0, 3000)
})

test('resolver down for a while, then back: converges on the current cluster, nothing lost', async () => {
  const api = await cluster()
  const r = await resolver()
  const job = await sync(api, [r])
  await waitFor(() => r.accepted('east-1'))
  await r.down()
  api.apply('services', service('bookinfo', 'added-while-down'))
  await waitFor(async () => (await valueOf(job.metrics.pushes, { outcome: 'error' })) >= 2, 3000)
  api.delete('services', 'bookinfo', 'svc-0')
  api.apply('services', service('bookinfo', 'svc-1', { clusterIPs: ['10.96.1.1'] }))
  api.apply('configmaps', meshConfigMap('defaultServiceExportTo: ["."]'))
  await new Promise((res) => setTimeout(res, 150))
  await r.up()
  await waitFor(() => serviceNames(r).join() === 'added-while-down,svc-1,svc-2', 3000)
  const last = r.accepted('east-1')!
  expect(last.services.find((s) => s.name === 'svc-1')).toMatchObject({ clusterIPs: ['10.96.1.1'], exportTo: ['.'] })
  expect(last.revision).toBeGreaterThan(r.pushes[0]!.snapshot!.revision)
})

test('watch trouble (410 Gone, dropped connections) while things change: the resolver converges', async () => {
  const api = await cluster()
  const r = await resolver()
  await sync(api, [r])
  await waitFor(() => r.accepted('east-1'))
  api.expireWatches() // every resource: ERROR 410, history compacted
  api.apply('services', service('bookinfo', 'after-gone'))
  api.apply(
    'endpointslices',
    endpointSlice('bookinfo', 'db-x', 'db', 'IPv4', [{ addresses: ['10.244.0.9'], hostname: 'db-0' }])
  )
  api.apply('services', service('bookinfo', 'db', { headless: true }))
  await waitFor(() => serviceNames(r).includes('after-gone'), 3000, 'relist after 410')
  api.dropWatches()
  api.delete('services', 'bookinfo', 'svc-0')
  api.apply(
    'endpointslices',
    endpointSlice('bookinfo', 'db-x', 'db', 'IPv4', [{ addresses: ['10.244.0.10'], hostname: 'db-0' }])
  )
  await waitFor(
    () => {
      const db = r.accepted('east-1')?.services.find((x) => x.name === 'db')
      return !serviceNames(r).includes('svc-0') && db?.endpoints[0]?.addresses[0] === '10.244.0.10'
    },
    3000,
    'catch-up after dropped connections'
  )
})

test('several targets: each receives the snapshot; one being down does not hold up the other', async () => {
  const api = await cluster()
  const [a, b] = [await resolver(), await resolver()]
  await b.down()
  const job = await sync(api, [a, b])
  await waitFor(() => a.accepted('east-1'))
  api.apply('services', service('bookinfo', 'svc-3'))
  await waitFor(() => serviceNames(a).length === 4, 3000)
  await b.up()
  await waitFor(() => serviceNames(b).length === 4, 3000)
  expect(b.pushes.filter((p) => p.status === 200)).toHaveLength(1)
  const label = `${b.url}/v1/snapshots/east-1`
  // The resolver records its answer just before the job reads it.
  await waitFor(async () => (await valueOf(job.metrics.pushes, { target: label, outcome: 'accepted' })) === 1)
  expect(await valueOf(job.metrics.names)).toBe(4)
})

test('a 409 from another writer ahead of us: the job moves past it and keeps pushing', async () => {
  const api = await cluster()
  const r = await resolver()
  const ahead = Date.now() + 1_000_000
  r.script({ status: 409, body: { error: 'revision is not newer', current: ahead } })
  await sync(api, [r])
  await waitFor(() => r.accepted('east-1'))
  api.apply('services', service('bookinfo', 'svc-9'))
  await waitFor(() => serviceNames(r).length === 4, 3000)
  expect(r.pushes.filter((p) => p.status === 200).map((p) => p.snapshot!.revision)).toEqual([ahead + 1, ahead + 2])
})

test('--dry-run prints each snapshot as one line of valid JSON instead of pushing', async () => {
  const api = await cluster()
  const job = await startSync(api, [], ['--dry-run'])
  stops.push(() => job.stop())
  await waitFor(() => job.stdout.length === 1)
  const doc: unknown = JSON.parse(job.stdout[0]!)
  const checked = parseSnapshot(doc, 'east-1')
  expect(checked.ok && checked.snapshot.services).toHaveLength(3)
})

test('objects the schema refuses never reach a resolver: left out, counted, and the rest is pushed', async () => {
  const api = await cluster()
  api.apply('services', service('bookinfo', 'legacy', { externalName: 'not a name!' }))
  api.apply(
    'serviceentries',
    serviceEntry('bookinfo', 'bad-host', { hosts: ['exa mple.com'], addresses: ['240.240.0.2'] })
  )
  api.apply(
    'serviceentries',
    serviceEntry('bookinfo', 'ext', { hosts: ['ext.example.com'], addresses: ['240.240.0.1'] })
  )
  const r = await resolver()
  const job = await sync(api, [r])
  const first = await waitFor(() => r.accepted('east-1'))
  expect(serviceNames(r)).toEqual(['svc-0', 'svc-1', 'svc-2'])
  expect(first.serviceEntries.map((s) => s.name)).toEqual(['ext'])
  expect(await valueOf(job.metrics.skipped)).toBe(2)
  // A fix upstream brings the object in with the next push.
  api.apply('services', service('bookinfo', 'legacy', { externalName: 'legacy.corp.example.com' }))
  await waitFor(() => serviceNames(r).includes('legacy'), 3000)
  expect(await valueOf(job.metrics.skipped)).toBe(1)
  // afterEach: every document that reached the resolver passed parseSnapshot.
})
