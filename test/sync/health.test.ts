import { afterEach, expect, test } from 'vitest'
import { FakeKubeApi } from './k8s-api.ts'
import { namespace, service } from './k8s-objects.ts'
import { FakeResolver } from './resolver.ts'
import { startSync, waitFor } from './harness.ts'

let stops: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const stop of stops.reverse()) await stop()
  stops = []
})

test('/healthz answers at once, /readyz after the initial sync, /metrics in Prometheus text', async () => {
  const api = await FakeKubeApi.start({ istio: false })
  const resolver = await FakeResolver.start()
  stops.push(
    () => api.close(),
    () => resolver.close()
  )
  api.apply('namespaces', namespace('bookinfo'))
  api.apply('services', service('bookinfo', 'reviews'))
  const release = api.holdLists('services')
  const job = await startSync(api, [resolver.url], ['--listen', '127.0.0.1:0'])
  stops.push(() => job.stop())
  const base = `http://127.0.0.1:${job.health!.port}`
  const get = (path: string) => fetch(`${base}${path}`)

  expect((await get('/healthz')).status).toBe(200)
  expect((await get('/readyz')).status).toBe(503)
  release()
  await waitFor(async () => (await get('/readyz')).status === 200, 3000)
  await waitFor(() => resolver.accepted('east-1'))
  api.dropWatches('services')
  await waitFor(async () => (await (await get('/metrics')).text()).includes('reason="error"'), 3000)

  const res = await get('/metrics')
  expect(res.headers.get('content-type')).toContain('text/plain')
  const text = await res.text()
  const target = `${resolver.url}/v1/snapshots/east-1`
  expect(text).toContain(`meshdoh_sync_pushes_total{target="${target}",outcome="accepted"} 1`)
  expect(text).toMatch(new RegExp(`meshdoh_sync_last_success_timestamp_seconds\\{target="${target}"\\} \\d+`))
  expect(text).toContain('meshdoh_sync_snapshot_names 1')
  expect(text).toContain('meshdoh_sync_ready 1')
  expect(text).toContain('meshdoh_sync_shrink_refusals_total 0')
  expect(text).toContain('meshdoh_sync_watch_restarts_total{resource="services",reason="error"}')
  expect((await get('/nope')).status).toBe(404)
})

test('without the istio-system Role: a snapshot is pushed, /readyz and /metrics name the mesh config', async () => {
  const api = await FakeKubeApi.start({ istio: false })
  const resolver = await FakeResolver.start()
  stops.push(
    () => api.close(),
    () => resolver.close()
  )
  api.apply('namespaces', namespace('bookinfo'))
  api.apply('services', service('bookinfo', 'reviews'))
  api.forbid('configmaps', 'istio-system')
  const job = await startSync(api, [resolver.url], ['--listen', '127.0.0.1:0'])
  stops.push(() => job.stop())
  const base = `http://127.0.0.1:${job.health!.port}`
  const accepted = await waitFor(() => resolver.accepted('east-1'), 3000, 'a snapshot despite the 403')
  expect(accepted.services.map((s) => s.name)).toEqual(['reviews'])
  const ready = await fetch(`${base}/readyz`)
  expect(ready.status).toBe(200)
  expect((await ready.text()).split('\n')).toEqual([
    'ready',
    'unavailable: meshconfig: forbidden (needs get/list/watch on configmaps "istio" in namespace istio-system)',
    'unavailable: serviceentries: absent',
    'unavailable: workloadentries: absent',
    '',
  ])
  const metrics = await (await fetch(`${base}/metrics`)).text()
  expect(metrics).toContain('meshdoh_sync_source_unavailable{source="meshconfig",reason="forbidden"} 1')
  expect(metrics).toContain('meshdoh_sync_source_unavailable{source="serviceentries",reason="absent"} 1')
})
