import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, expect, test } from 'vitest'
import { SnapshotBuilder } from '../../src/sync/assemble.ts'
import { SyncMetrics } from '../../src/sync/metrics.ts'
import { Target, type Offer, type TargetOptions } from '../../src/sync/target.ts'
import { captureLog, valueOf, waitFor } from './harness.ts'
import { FakeResolver } from './resolver.ts'

let resolver: FakeResolver
let targets: Target[] = []
beforeEach(async () => {
  resolver = await FakeResolver.start()
})
afterEach(async () => {
  await Promise.all(targets.map((t) => t.stop()))
  targets = []
  await resolver.close()
})

function offer(n: number): Offer {
  const services = Array.from({ length: n }, (_, i) => ({
    namespace: 'bookinfo',
    name: `svc-${i}`,
    clusterIPs: [`10.96.0.${i + 1}`],
    ports: [],
    publishNotReadyAddresses: false,
  }))
  const builder = new SnapshotBuilder({ cluster: 'east-1', clusterDomain: 'cluster.local', ttl: 30 })
  return builder.build({ services, slices: [], serviceEntries: [], workloadEntries: [], namespaces: ['bookinfo'] }, {})
    .offer
}

function target(extra: Partial<TargetOptions> = {}) {
  const metrics = new SyncMetrics()
  const logs = captureLog()
  const t = new Target(
    {
      base: resolver.url,
      cluster: 'east-1',
      token: { value: resolver.token },
      timeoutMs: 1000,
      retry: { baseMs: 20, maxMs: 200 },
      ...extra,
    },
    metrics,
    logs.log
  )
  targets.push(t)
  return { t, metrics, logs }
}

test('a push is a gzip PUT with the bearer token, and a valid snapshot', async () => {
  const { t, metrics } = target()
  t.offer(offer(2))
  await waitFor(() => resolver.accepted('east-1'))
  const [put] = resolver.pushes
  expect(put).toMatchObject({ gzip: true, authorization: 'Bearer push-token', status: 200 })
  expect(put!.snapshot?.services.map((s) => s.name)).toEqual(['svc-0', 'svc-1'])
  await waitFor(async () => (await valueOf(metrics.pushes, { outcome: 'accepted' })) === 1)
  expect(await valueOf(metrics.lastSuccess)).toBeGreaterThan(Date.now() / 1000 - 5)
})

test('the token file is read at each push, so a rotated token needs no restart', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'meshdoh-sync-'))
  try {
    const file = join(dir, 'token')
    await writeFile(file, 'old-token\n')
    const { t, metrics } = target({ token: { file } })
    t.offer(offer(1))
    await waitFor(async () => (await valueOf(metrics.pushes, { outcome: 'unauthorized' })) >= 1)
    await writeFile(file, `${resolver.token}\n`)
    await waitFor(() => resolver.accepted('east-1'))
  } finally {
    await rm(dir, { recursive: true })
  }
})

test('409: the next revision moves past the resolver’s current one, same content', async () => {
  const ahead = Date.now() + 10_000_000
  resolver.script({ status: 409, body: { error: 'revision is not newer', current: ahead } })
  const { t, metrics } = target()
  t.offer(offer(1))
  const accepted = await waitFor(() => resolver.accepted('east-1'))
  expect(accepted.revision).toBe(ahead + 1)
  expect(resolver.pushes.map((p) => p.status)).toEqual([409, 200])
  expect(resolver.pushes[0]!.snapshot?.services).toEqual(accepted.services)
  expect(await valueOf(metrics.pushes, { outcome: 'conflict' })).toBe(1)
})

test('400: logged with the error path and not retried for the same content; new content is pushed', async () => {
  resolver.script(400)
  const { t, logs, metrics } = target()
  t.offer(offer(1))
  await waitFor(() => logs.records.find((r) => r['msg'] === 'resolver refused the snapshot'))
  const logged = logs.records.find((r) => r['msg'] === 'resolver refused the snapshot')!
  expect(logged).toMatchObject({ status: 400, path: 'services[0].clusterIPs[0]', error: 'scripted rejection' })
  t.offer(offer(1)) // the same content again: not pushed
  await new Promise((r) => setTimeout(r, 150))
  expect(resolver.pushes).toHaveLength(1)
  expect(await valueOf(metrics.pushes, { outcome: 'rejected' })).toBe(1)
  t.offer(offer(2))
  await waitFor(() => resolver.accepted('east-1'))
  expect(resolver.pushes).toHaveLength(2)
})

test('5xx: retried with growing, jittered delays until accepted, same revision and bytes', async () => {
  resolver.script(503, 500, 502, 500)
  const { t, metrics } = target({ retry: { baseMs: 40, maxMs: 1000 } })
  t.offer(offer(1))
  await waitFor(() => resolver.accepted('east-1'))
  expect(resolver.pushes.map((p) => p.status)).toEqual([503, 500, 502, 500, 200])
  const gaps = resolver.pushes.slice(1).map((p, i) => p.at - resolver.pushes[i]!.at)
  // Equal jitter: the n-th wait is at least half of 40·2^n ms.
  gaps.forEach((gap, n) => expect(gap).toBeGreaterThanOrEqual(20 * 2 ** n - 5))
  expect(new Set(resolver.pushes.map((p) => p.snapshot?.revision)).size).toBe(1)
  expect(await valueOf(metrics.pushes, { outcome: 'error' })).toBe(4)
})

test('network errors are retried until the resolver answers', async () => {
  await resolver.down()
  const { t, metrics } = target()
  t.offer(offer(1))
  await waitFor(async () => (await valueOf(metrics.pushes, { outcome: 'error' })) >= 3)
  await resolver.up()
  await waitFor(() => resolver.accepted('east-1'))
})

test('a resolver that does not answer in time counts as a network error', async () => {
  resolver.script({ status: 200, body: {} })
  const { t, logs } = target({ timeoutMs: 1 })
  t.offer(offer(1))
  await waitFor(() => logs.records.find((r) => String(r['reason']).startsWith('no answer within')))
})

test('while a resolver is down, newer content supersedes older: it receives only the latest', async () => {
  await resolver.down()
  const { t, metrics } = target()
  t.offer(offer(1))
  await waitFor(async () => (await valueOf(metrics.pushes, { outcome: 'error' })) >= 1)
  t.offer(offer(2))
  t.offer(offer(3))
  await resolver.up()
  const accepted = await waitFor(() => resolver.accepted('east-1'))
  expect(accepted.services).toHaveLength(3)
  expect(resolver.pushes).toHaveLength(1)
})

test('a document that would fail the shared schema is never sent: a revision past the schema’s bound', async () => {
  // A resolver claiming the largest revision there is: the next one would break the schema.
  resolver.script({ status: 409, body: { error: 'revision is not newer', current: Number.MAX_SAFE_INTEGER } })
  const { t, metrics, logs } = target()
  expect(await t.deliver(offer(1), 3)).toBe('rejected')
  expect(resolver.pushes.map((p) => p.status)).toEqual([409])
  expect(await valueOf(metrics.pushes, { outcome: 'invalid' })).toBe(1)
  expect(logs.records.find((r) => r['msg'] === 'built an invalid snapshot; not pushing it')).toMatchObject({
    path: 'revision',
  })
})

test('an offer is stamped for one cluster: another cluster’s URL is refused before sending', async () => {
  const { t, metrics } = target({ cluster: 'west-2' })
  expect(await t.deliver(offer(1), 3)).toBe('rejected')
  expect(resolver.pushes).toHaveLength(0)
  expect(await valueOf(metrics.pushes, { outcome: 'invalid' })).toBe(1)
})

test('deliver gives up after the allowed attempts', async () => {
  await resolver.down()
  const { t } = target()
  expect(await t.deliver(offer(1), 2)).toBe('failed')
})
