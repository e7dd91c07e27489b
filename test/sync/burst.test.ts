/**
 * A rollout against the job's default quiet period (100 ms) and burst bound (1 s): 500
 * EndpointSlice changes within about a second, driven through the fake API server, coalesce
 * into a few pushes, and the last one holds every change.
 */
import { afterEach, expect, test } from 'vitest'
import { FakeKubeApi } from './k8s-api.ts'
import { endpointSlice, namespace, service } from './k8s-objects.ts'
import { FakeResolver } from './resolver.ts'
import { startSync, waitFor, type Running } from './harness.ts'

const SERVICES = 50
// Services the rollout does not touch: with them the deltas are smaller than the whole snapshot.
const OTHERS = 450
const CHANGES = 500
const ROUNDS = 20
const ROUND_MS = 50

let stops: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const stop of stops.reverse()) await stop()
  stops = []
})

const slice = (i: number, address: string) =>
  endpointSlice('bookinfo', `db-${i}-abcde`, `db-${i}`, 'IPv4', [{ addresses: [address], hostname: `db-${i}-0` }])

test('500 EndpointSlice changes within a second: a few pushes with the defaults, the last holding all', async () => {
  const api = await FakeKubeApi.start()
  stops.push(() => api.close())
  api.apply('namespaces', namespace('bookinfo'))
  for (let i = 0; i < SERVICES; i++) {
    api.apply('services', service('bookinfo', `db-${i}`, { headless: true }))
    api.apply('endpointslices', slice(i, `10.244.0.${i + 1}`))
  }
  for (let i = 0; i < OTHERS; i++) {
    api.apply('services', service('bookinfo', `web-${i}`, { clusterIPs: [`10.96.${i >> 8}.${(i & 255) + 1}`] }))
  }
  const r = await FakeResolver.start()
  stops.push(() => r.close())
  const job: Running = await startSync(api, [r.url], ['--page-size', '100'], {}, { defaultDebounce: true })
  stops.push(() => job.stop())
  expect(job.settings.debounce).toEqual({ quietMs: 100, maxDelayMs: 1000 })
  await waitFor(() => r.accepted('east-1'))
  const before = r.pushes.length

  // Every slice's pod is replaced ten times, 25 slices every 50 ms, as a rolling restart does.
  const last = new Map<number, string>()
  const started = Date.now()
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < CHANGES / ROUNDS; k++) {
      const i = (round * (CHANGES / ROUNDS) + k) % SERVICES
      const address = `10.245.${round}.${k + 1}`
      api.apply('endpointslices', slice(i, address))
      last.set(i, address)
    }
    await new Promise((resolve) => setTimeout(resolve, ROUND_MS))
  }
  const drove = Date.now() - started
  const current = () => {
    const services = r.accepted('east-1')?.services.filter((s) => s.name.startsWith('db-')) ?? []
    return services.every((s) => s.endpoints[0]?.addresses[0] === last.get(Number(s.name.slice(3))))
  }
  await waitFor(current, 5000, 'every change in the last push')
  // Nothing more comes once the resolver holds the final state.
  await new Promise((resolve) => setTimeout(resolve, 300))
  const pushes = r.pushes.slice(before)
  expect(drove).toBeLessThan(2000)
  expect(pushes.length).toBeGreaterThan(0)
  expect(pushes.length).toBeLessThanOrEqual(12)
  expect(pushes.every((p) => p.method === 'PATCH' && p.status === 200)).toBe(true)
  expect(r.accepted('east-1')!.services).toHaveLength(SERVICES + OTHERS)
}, 20_000)
