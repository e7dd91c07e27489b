/**
 * Deltas as the job builds them (src/sync/delta.ts): what goes in set, remove and replace, and
 * the digest, which must be the shared snapshotDigest of the validated whole snapshot.
 */
import { gzipSync } from 'node:zlib'
import { describe, expect, test } from 'vitest'
import { snapshotDigest } from '../../src/registry/canonical.ts'
import { parseSnapshot } from '../../src/registry/validate.ts'
import { SnapshotBuilder, type Offer } from '../../src/sync/assemble.ts'
import type { BuildOptions, ClusterState } from '../../src/sync/build.ts'
import { planDelta, renderDelta } from '../../src/sync/delta.ts'
import type { ServiceEntryRecord, ServiceRecord } from '../../src/sync/objects.ts'
import { syntheticState, withOneServiceChanged } from './synthetic-state.ts'

const options: BuildOptions = { cluster: 'east-1', clusterDomain: 'cluster.local', ttl: 30 }
const AT = new Date('2026-11-29T19:00:00Z')

const svc = (name: string, ip: string, namespace = 'bookinfo'): ServiceRecord => ({
  namespace,
  name,
  clusterIPs: [ip],
  ports: [],
  publishNotReadyAddresses: false,
})

const entry = (name: string, host: string): ServiceEntryRecord => ({
  namespace: 'bookinfo',
  name,
  hosts: [host],
  addresses: ['240.240.0.1'],
  allocated: [],
  ports: [],
  endpoints: [],
})

const state = (services: ServiceRecord[], serviceEntries: ServiceEntryRecord[] = [], namespaces = ['bookinfo']) => ({
  services,
  slices: [],
  serviceEntries,
  workloadEntries: [],
  namespaces,
})

/** The whole document of an offer, validated as the resolver validates a PUT. */
function validated(offer: Offer) {
  const rendered = offer.render(2, AT, 'east-1')
  if (!rendered.ok) throw new Error(rendered.error)
  const checked = parseSnapshot(JSON.parse(rendered.bytes.toString('utf8')), 'east-1')
  if (!checked.ok) throw new Error(`${checked.path}: ${checked.error}`)
  return checked.snapshot
}

describe('planDelta', () => {
  test('set holds added and changed elements whole, remove the names of deleted ones, replace changed fields', () => {
    const builder = new SnapshotBuilder(options)
    const base = builder.build(
      state([svc('a', '10.96.0.1'), svc('b', '10.96.0.2'), svc('c', '10.96.0.3')], [entry('old', 'old.example.com')]),
      {}
    ).offer
    const relabelled = { ...svc('a', '10.96.0.1') } // a new record (resourceVersion moved), the same content
    const next = builder.build(
      state(
        [relabelled, svc('b', '10.96.9.9'), svc('d', '10.96.0.4'), svc('a', '10.96.0.5', 'vm')],
        [entry('new', 'new.example.com')],
        ['bookinfo', 'vm']
      ),
      {}
    ).offer
    const plan = planDelta(base, next)!
    expect(plan.services.set.map((p) => JSON.parse(p.json) as unknown)).toEqual([
      { name: 'b', namespace: 'bookinfo', clusterIPs: ['10.96.9.9'] },
      { name: 'd', namespace: 'bookinfo', clusterIPs: ['10.96.0.4'] },
      { name: 'a', namespace: 'vm', clusterIPs: ['10.96.0.5'] },
    ])
    expect(plan.services.remove).toEqual([{ namespace: 'bookinfo', name: 'c' }])
    expect(plan.serviceEntries.set.map((p) => p.name)).toEqual(['new'])
    expect(plan.serviceEntries.remove).toEqual([{ namespace: 'bookinfo', name: 'old' }])
    expect(plan.replace).toEqual({ namespaces: ['bookinfo', 'vm'] })
  })

  test('an unchanged cluster gives an empty delta; a changed TTL or domain goes in replace', () => {
    const s = state([svc('a', '10.96.0.1')])
    const base = new SnapshotBuilder(options).build(s, {}).offer
    expect(planDelta(base, new SnapshotBuilder(options).build(s, {}).offer)).toEqual({
      services: { set: [], remove: [] },
      serviceEntries: { set: [], remove: [] },
      replace: {},
    })
    const other = new SnapshotBuilder({ ...options, ttl: 5, clusterDomain: 'corp.internal' }).build(s, {}).offer
    expect(planDelta(base, other)!.replace).toEqual({ ttl: 5, clusterDomain: 'corp.internal' })
  })

  test('a field the new snapshot drops cannot be said by replace: no delta', () => {
    const s = state([svc('a', '10.96.0.1')])
    const base = new SnapshotBuilder({ ...options, serviceCIDRs: ['10.96.0.0/12'] }).build(s, {}).offer
    const next = new SnapshotBuilder(options).build(s, {}).offer
    expect(planDelta(base, next)).toBeUndefined()
    expect(planDelta(next, base)!.replace).toEqual({ serviceCIDRs: ['10.96.0.0/12'] })
  })
})

describe('renderDelta', () => {
  test('the document the contract describes, every element in its pushed form', async () => {
    const builder = new SnapshotBuilder(options)
    const base = builder.build(state([svc('a', '10.96.0.1'), svc('old', '10.96.0.2')]), {}).offer
    const next = builder.build(state([svc('a', '10.96.0.7')], [], ['bookinfo', 'vm']), {}).offer
    const digest = await next.snapshotDigest()
    const bytes = renderDelta(planDelta(base, next)!, {
      cluster: 'east-1',
      baseRevision: 17,
      revision: 18,
      generatedAt: AT,
      digest,
    })
    expect(JSON.parse(bytes.toString('utf8'))).toEqual({
      apiVersion: 'meshdoh/v1',
      kind: 'RegistryDelta',
      cluster: 'east-1',
      baseRevision: 17,
      revision: 18,
      generatedAt: '2026-11-29T19:00:00Z',
      set: { services: [{ name: 'a', namespace: 'bookinfo', clusterIPs: ['10.96.0.7'] }], serviceEntries: [] },
      remove: { services: [{ namespace: 'bookinfo', name: 'old' }], serviceEntries: [] },
      replace: { namespaces: ['bookinfo', 'vm'] },
      digest,
    })
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/)
  })
})

describe('the digest', () => {
  test('equals snapshotDigest of the validated whole document, defaults and all (synthetic 2k cluster)', async () => {
    const { state: s, options: o } = syntheticState(2000)
    const builder = new SnapshotBuilder(o)
    const first = builder.build(s, {}).offer
    expect(await first.snapshotDigest()).toBe(await snapshotDigest(validated(first)))
    // Incrementally: after a change only the changed element is canonicalised anew.
    const next = builder.build(withOneServiceChanged(s), { serviceExportTo: ['.'] }).offer
    expect(await next.snapshotDigest()).toBe(await snapshotDigest(validated(next)))
    expect(await next.snapshotDigest()).not.toBe(await first.snapshotDigest())
  })

  test('differs when any element differs, not when only the stamp does', async () => {
    const a = new SnapshotBuilder(options).build(state([svc('a', '10.96.0.1')]), {}).offer
    const b = new SnapshotBuilder(options).build(state([svc('a', '10.96.0.2')]), {}).offer
    const again = new SnapshotBuilder(options).build(state([svc('a', '10.96.0.1')]), {}).offer
    expect(await a.snapshotDigest()).not.toBe(await b.snapshotDigest())
    expect(await a.snapshotDigest()).toBe(await again.snapshotDigest())
  })
})

test('one changed Service at 10k Services: the gzipped delta is under 2 KB', async () => {
  const { state: s, options: o } = syntheticState(10_000)
  const builder = new SnapshotBuilder(o)
  const base = builder.build(s, {}).offer
  const changed: ClusterState = withOneServiceChanged(s)
  const next = builder.build(changed, {}).offer
  const plan = planDelta(base, next)!
  expect(plan.services.set).toHaveLength(1)
  const json = renderDelta(plan, {
    cluster: 'east-1',
    baseRevision: 1_800_000_000_000,
    revision: 1_800_000_000_001,
    generatedAt: AT,
    digest: await next.snapshotDigest(),
  })
  const gzipped = gzipSync(json, { level: 3 })
  expect(gzipped.length).toBeLessThan(2048)
  const rendered = next.render(1_800_000_000_001, AT)
  if (!rendered.ok) throw new Error(rendered.error)
  expect(next.size(1_800_000_000_001, AT)).toBe(rendered.bytes.length)
  expect(gzipSync(rendered.bytes, { level: 3 }).length).toBeGreaterThan(50 * gzipped.length)
})
