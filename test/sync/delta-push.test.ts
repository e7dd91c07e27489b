/**
 * Targets pushing deltas (src/sync/target.ts) to the tests' resolver, which applies them as the
 * contract says: the base per target, the whole PUT first and after 409 or 412, deltas again
 * from there, a restart, and a resolver without PATCH.
 */
import { afterEach, expect, test } from 'vitest'
import { snapshotDigest } from '../../src/registry/canonical.ts'
import { parseSnapshot } from '../../src/registry/validate.ts'
import { SnapshotBuilder } from '../../src/sync/assemble.ts'
import type { ClusterState } from '../../src/sync/build.ts'
import { SyncMetrics } from '../../src/sync/metrics.ts'
import type { ServiceRecord } from '../../src/sync/objects.ts'
import { Target, type Offer } from '../../src/sync/target.ts'
import { captureLog, valueOf, waitFor } from './harness.ts'
import { FakeResolver } from './resolver.ts'
import { syntheticState, withOneServiceChanged } from './synthetic-state.ts'

let stops: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const stop of stops.reverse()) await stop()
  stops = []
})

async function resolver(options: { patch?: boolean } = {}) {
  const r = await FakeResolver.start(options)
  stops.push(() => r.close())
  return r
}

function target(r: FakeResolver, metrics = new SyncMetrics()) {
  const logs = captureLog()
  const t = new Target(
    { base: r.url, cluster: 'east-1', token: { value: r.token }, timeoutMs: 2000, retry: { baseMs: 20, maxMs: 200 } },
    metrics,
    logs.log
  )
  stops.push(() => t.stop())
  return { t, metrics, logs }
}

const svc = (name: string, ip: string): ServiceRecord => ({
  namespace: 'bookinfo',
  name,
  clusterIPs: [ip],
  ports: [],
  publishNotReadyAddresses: false,
})

/** A cluster the test changes step by step; each `offer()` is one build of it. */
function cluster(count = 20) {
  const builder = new SnapshotBuilder({ cluster: 'east-1', clusterDomain: 'cluster.local', ttl: 30 })
  const services = new Map(Array.from({ length: count }, (_, i) => [`svc-${i}`, svc(`svc-${i}`, `10.96.0.${i + 1}`)]))
  const state = (): ClusterState => ({
    services: [...services.values()],
    slices: [],
    serviceEntries: [],
    workloadEntries: [],
    namespaces: ['bookinfo'],
  })
  return {
    set: (name: string, ip: string) => services.set(name, svc(name, ip)),
    remove: (name: string) => services.delete(name),
    offer: (): Offer => builder.build(state(), {}).offer,
  }
}

/** What the whole document of `offer` gives a resolver: validated, as a PUT would be. */
function whole(offer: Offer) {
  const rendered = offer.render(1, new Date(), 'east-1')
  if (!rendered.ok) throw new Error(rendered.error)
  const checked = parseSnapshot(JSON.parse(rendered.bytes.toString('utf8')), 'east-1')
  if (!checked.ok) throw new Error(checked.error)
  return checked.snapshot
}

const methods = (r: FakeResolver) => r.pushes.map((p) => `${p.method} ${p.status}`)
const settled = (r: FakeResolver, offer: Offer) => async () =>
  r.held('east-1')?.digest === (await offer.snapshotDigest())

test('first push whole, then deltas from the acknowledged revision; the resolver ends up with the same snapshot', async () => {
  const r = await resolver()
  const c = cluster()
  const { t, metrics } = target(r)
  const first = c.offer()
  t.offer(first)
  await waitFor(settled(r, first))
  c.set('svc-1', '10.96.1.1')
  c.remove('svc-2')
  c.set('svc-9', '10.96.0.9')
  const second = c.offer()
  t.offer(second)
  await waitFor(settled(r, second))
  expect(methods(r)).toEqual(['PUT 200', 'PATCH 200'])
  const [put, patch] = r.pushes
  const delta = patch!.body as Record<string, unknown>
  expect(delta).toMatchObject({
    kind: 'RegistryDelta',
    baseRevision: put!.snapshot!.revision,
    set: {
      services: [
        { name: 'svc-1', clusterIPs: ['10.96.1.1'] },
        { name: 'svc-9', clusterIPs: ['10.96.0.9'] },
      ],
      serviceEntries: [],
    },
    remove: { services: [{ namespace: 'bookinfo', name: 'svc-2' }], serviceEntries: [] },
    replace: {},
    digest: await snapshotDigest(whole(second)),
  })
  const held = r.held('east-1')!.snapshot
  expect({ ...held, revision: 1, generatedAt: '' }).toEqual({ ...whole(second), revision: 1, generatedAt: '' })
  expect(t.base).toBe(patch!.snapshot!.revision)
  expect(await valueOf(metrics.wholePushes, { reason: 'first' })).toBe(1)
  expect(await valueOf(metrics.pushBytes, { method: 'PATCH' })).toBe(patch!.bytes)
})

test('each target keeps its own base: one that missed a change gets a delta from the revision it holds', async () => {
  const [a, b] = [await resolver(), await resolver()]
  const c = cluster()
  const metrics = new SyncMetrics()
  const ta = target(a, metrics).t
  const tb = target(b, metrics).t
  const o1 = c.offer()
  ta.offer(o1)
  tb.offer(o1)
  await waitFor(async () => (await settled(a, o1)()) && settled(b, o1)())
  const bAtO1 = b.held('east-1')!.revision
  await b.down()
  c.set('svc-0', '10.96.5.5')
  const o2 = c.offer()
  ta.offer(o2)
  tb.offer(o2)
  await waitFor(settled(a, o2))
  const aAtO2 = a.held('east-1')!.revision
  c.set('svc-1', '10.96.6.6')
  const o3 = c.offer()
  ta.offer(o3)
  tb.offer(o3)
  await waitFor(settled(a, o3))
  await b.up()
  await waitFor(settled(b, o3), 3000)
  const aPatch = a.patches.at(-1)!.body as { baseRevision: number; set: { services: { name: string }[] } }
  const bPatch = b.patches.at(-1)!.body as { baseRevision: number; set: { services: { name: string }[] } }
  expect(aPatch.baseRevision).toBe(aAtO2)
  expect(aPatch.set.services.map((s) => s.name)).toEqual(['svc-1'])
  expect(bPatch.baseRevision).toBe(bAtO1)
  expect(bPatch.set.services.map((s) => s.name)).toEqual(['svc-0', 'svc-1'])
  expect(b.pushes.filter((p) => p.status === 200).map((p) => p.method)).toEqual(['PUT', 'PATCH'])
})

test('409 to a delta (a resolver that lost its state): the whole snapshot, then deltas again', async () => {
  const r = await resolver()
  const c = cluster()
  const { t, metrics, logs } = target(r)
  t.offer(c.offer())
  await waitFor(() => r.held('east-1'))
  r.forget('east-1')
  c.set('svc-0', '10.96.7.7')
  const second = c.offer()
  t.offer(second)
  await waitFor(settled(r, second))
  c.set('svc-1', '10.96.8.8')
  const third = c.offer()
  t.offer(third)
  await waitFor(settled(r, third))
  expect(methods(r)).toEqual(['PUT 200', 'PATCH 409', 'PUT 200', 'PATCH 200'])
  expect(await valueOf(metrics.wholePushes, { reason: 'conflict' })).toBe(1)
  expect(logs.messages()).toContain('resolver is not at the delta’s base; pushing the whole snapshot')
})

test('409 naming a revision ahead of ours: the whole snapshot goes past it', async () => {
  const r = await resolver()
  const c = cluster()
  const { t } = target(r)
  t.offer(c.offer())
  await waitFor(() => r.held('east-1'))
  const ahead = Date.now() + 10_000_000
  r.script({ status: 409, body: { error: 'not the held revision', current: ahead } })
  c.set('svc-0', '10.96.7.7')
  const second = c.offer()
  t.offer(second)
  await waitFor(settled(r, second))
  expect(methods(r)).toEqual(['PUT 200', 'PATCH 409', 'PUT 200'])
  expect(r.held('east-1')!.revision).toBe(ahead + 1)
})

test('412 (the resolver holds other content at the same revision): the whole snapshot, then deltas again', async () => {
  const r = await resolver()
  const c = cluster()
  const { t, metrics, logs } = target(r)
  t.offer(c.offer())
  await waitFor(() => r.held('east-1'))
  // Another writer, or a bug, changed what the resolver holds without a new revision: the
  // delta applies cleanly, but the digest of the result is not the job's.
  const held = r.held('east-1')!
  held.snapshot = { ...held.snapshot, services: held.snapshot.services.slice(1) }
  c.set('svc-2', '10.96.7.7')
  const second = c.offer()
  t.offer(second)
  await waitFor(settled(r, second))
  c.set('svc-1', '10.96.8.8')
  const third = c.offer()
  t.offer(third)
  await waitFor(settled(r, third))
  expect(methods(r)).toEqual(['PUT 200', 'PATCH 412', 'PUT 200', 'PATCH 200'])
  expect(r.held('east-1')!.snapshot.services).toHaveLength(20)
  expect(await valueOf(metrics.wholePushes, { reason: 'mismatch' })).toBe(1)
  expect(await valueOf(metrics.pushes, { outcome: 'mismatch' })).toBe(1)
  expect(logs.records.find((l) => String(l['msg']).startsWith('resolver’s digest after the delta'))).toMatchObject({
    digest: await second.snapshotDigest(),
  })
})

test('a restarted job (a new target) pushes the whole snapshot first, above what its predecessor pushed', async () => {
  const r = await resolver()
  const c = cluster()
  const before = target(r).t
  before.offer(c.offer())
  await waitFor(() => r.held('east-1'))
  c.set('svc-0', '10.96.7.7')
  const second = c.offer()
  before.offer(second)
  await waitFor(settled(r, second))
  await before.stop()
  const after = target(r).t
  c.set('svc-1', '10.96.8.8')
  const third = c.offer()
  after.offer(third)
  await waitFor(settled(r, third))
  expect(methods(r)).toEqual(['PUT 200', 'PATCH 200', 'PUT 200'])
})

test('a delta retried after a lost answer is the same bytes and revision, and answered 200 again', async () => {
  const r = await resolver()
  const c = cluster()
  const { t } = target(r)
  t.offer(c.offer())
  await waitFor(() => r.held('east-1'))
  r.script(503)
  c.set('svc-0', '10.96.7.7')
  const second = c.offer()
  t.offer(second)
  await waitFor(settled(r, second))
  const [failed, retried] = r.patches
  expect([failed!.status, retried!.status]).toEqual([503, 200])
  expect(retried!.body).toEqual(failed!.body)
})

test('a resolver without PATCH (404): whole snapshots, without asking again for each change', async () => {
  const r = await resolver({ patch: false })
  const c = cluster()
  const { t, metrics } = target(r)
  for (let i = 0; i < 3; i++) {
    c.set('svc-0', `10.96.7.${i + 1}`)
    const offer = c.offer()
    t.offer(offer)
    await waitFor(() => r.accepted('east-1')?.services[0]?.clusterIPs[0] === `10.96.7.${i + 1}`)
  }
  expect(methods(r)).toEqual(['PUT 200', 'PATCH 404', 'PUT 200', 'PUT 200'])
  expect(await valueOf(metrics.wholePushes, { reason: 'unsupported' })).toBe(2)
})

test('a delta that would not be smaller than the whole snapshot is sent whole', async () => {
  const r = await resolver()
  const c = cluster(2)
  const { t, metrics } = target(r)
  t.offer(c.offer())
  await waitFor(() => r.held('east-1'))
  // Every element replaced: the delta repeats the whole list and names the removed ones too.
  c.remove('svc-0')
  c.remove('svc-1')
  c.set('new-0', '10.96.9.1')
  c.set('new-1', '10.96.9.2')
  const second = c.offer()
  t.offer(second)
  await waitFor(settled(r, second))
  expect(methods(r)).toEqual(['PUT 200', 'PUT 200'])
  expect(await valueOf(metrics.wholePushes, { reason: 'size' })).toBe(1)
})

test('one changed Service at 10k Services: under 2 KB on the wire, and the resolver holds the job’s snapshot', async () => {
  const r = await resolver()
  const { state, options } = syntheticState(10_000)
  const builder = new SnapshotBuilder(options)
  const { t } = target(r)
  const first = builder.build(state, {}).offer
  t.offer(first)
  await waitFor(settled(r, first), 20_000)
  const second = builder.build(withOneServiceChanged(state), {}).offer
  t.offer(second)
  await waitFor(settled(r, second), 10_000)
  const [put, patch] = r.pushes
  expect([put!.method, patch!.method]).toEqual(['PUT', 'PATCH'])
  expect(patch!.bytes).toBeLessThan(2048)
  expect(put!.bytes).toBeGreaterThan(100 * patch!.bytes)
}, 60_000)

test('a delta the resolver refuses (400) is followed by the whole snapshot, which settles it', async () => {
  const r = await resolver()
  const c = cluster()
  const { t, metrics } = target(r)
  t.offer(c.offer())
  await waitFor(() => r.held('east-1'))
  r.script(400)
  c.set('svc-0', '10.96.7.7')
  const second = c.offer()
  t.offer(second)
  await waitFor(settled(r, second))
  expect(methods(r)).toEqual(['PUT 200', 'PATCH 400', 'PUT 200'])
  expect(await valueOf(metrics.wholePushes, { reason: 'refused' })).toBe(1)
})
