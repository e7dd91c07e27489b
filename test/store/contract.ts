/**
 * The one contract every SnapshotStore passes (unstorage testDriver, hono common.case.test.ts):
 * memory and file run it in Node, the Durable Object store in workerd. Keep it free of
 * runtime-specific imports.
 */
import { describe, expect, it } from 'vitest'
import { PackedIndex } from '../../src/registry/packed.ts'
import { parseSnapshot } from '../../src/registry/validate.ts'
import { stampOf, type SnapshotStore, type StoredSnapshot } from '../../src/store/store.ts'
import { bookinfoSnapshot } from '../helpers/fixtures.ts'

export type MakeStore = () => SnapshotStore | Promise<SnapshotStore>

/** A stored record; the digest is derived from the content so that equal content means equal digest. */
export function storedRecord(cluster: string, revision: number, content = `content ${revision}`): StoredSnapshot {
  let hash = 0
  for (const ch of content) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0
  return {
    cluster,
    revision,
    generatedAt: '2026-11-24T19:00:00Z',
    receivedAt: `2026-11-24T19:00:${String(revision % 60).padStart(2, '0')}Z`,
    names: revision,
    digest: hash.toString(16).padStart(8, '0').repeat(8),
    document: JSON.stringify({ cluster, revision, content }),
  }
}

/** A stored record of a real snapshot, as the push route stores it, for the index tests. */
export function snapshotRecord(cluster: string, revision: number, service = 'extra'): StoredSnapshot {
  const doc = bookinfoSnapshot({ cluster, revision })
  ;(doc.services as unknown[]).push({ name: service, namespace: 'bookinfo', clusterIPs: ['10.96.77.7'] })
  const parsed = parseSnapshot(doc)
  if (!parsed.ok) throw new Error(parsed.error)
  return { ...storedRecord(cluster, revision, service), document: JSON.stringify(parsed.snapshot) }
}

function summaryOf(record: StoredSnapshot) {
  const { cluster, revision, generatedAt, receivedAt, names } = record
  return { cluster, revision, generatedAt, receivedAt, names }
}

export function runStoreContract(name: string, makeStore: MakeStore): void {
  describe(`SnapshotStore contract: ${name}`, () => {
    it('empty: lists nothing, loads nothing, stamp of nothing', async () => {
      const store = await makeStore()
      expect(await store.list()).toEqual([])
      expect(await store.load()).toEqual({ stamp: stampOf([]), snapshots: [] })
      expect(await store.stamp()).toBe(stampOf([]))
    })

    it('stored: a first revision is kept whole and listed by summary', async () => {
      const store = await makeStore()
      const record = storedRecord('east-1', 3)
      expect(await store.put(record)).toEqual({ status: 'stored', summary: summaryOf(record) })
      expect(await store.list()).toEqual([summaryOf(record)])
      const contents = await store.load()
      expect(contents.snapshots).toEqual([record])
      expect(contents.stamp).toBe(await store.stamp())
    })

    it('stored: a newer revision replaces the held one', async () => {
      const store = await makeStore()
      await store.put(storedRecord('east-1', 1))
      const newer = storedRecord('east-1', 2)
      expect(await store.put(newer)).toEqual({ status: 'stored', summary: summaryOf(newer) })
      expect((await store.load()).snapshots).toEqual([newer])
    })

    it('identical: the same revision and digest again answers with the held summary', async () => {
      const store = await makeStore()
      const first = storedRecord('east-1', 5)
      await store.put(first)
      const retry = { ...storedRecord('east-1', 5), receivedAt: '2026-11-25T00:00:00Z' }
      const stamp = await store.stamp()
      expect(await store.put(retry)).toEqual({ status: 'identical', summary: summaryOf(first) })
      expect(await store.stamp()).toBe(stamp)
      expect((await store.load()).snapshots).toEqual([first])
    })

    it('stale: the same revision with other content, or an older one, changes nothing', async () => {
      const store = await makeStore()
      const held = storedRecord('east-1', 5)
      await store.put(held)
      const stamp = await store.stamp()
      expect(await store.put(storedRecord('east-1', 5, 'other content'))).toEqual({ status: 'stale', current: 5 })
      expect(await store.put(storedRecord('east-1', 4))).toEqual({ status: 'stale', current: 5 })
      expect(await store.stamp()).toBe(stamp)
      expect((await store.load()).snapshots).toEqual([held])
    })

    it('clusters are independent', async () => {
      const store = await makeStore()
      const east = storedRecord('east-1', 9)
      const west = storedRecord('west-1', 1)
      await store.put(east)
      expect(await store.put(west)).toEqual({ status: 'stored', summary: summaryOf(west) })
      const listed = (await store.list()).sort((a, b) => a.cluster.localeCompare(b.cluster))
      expect(listed).toEqual([summaryOf(east), summaryOf(west)])
      expect(await store.stamp()).toBe(stampOf([east, west]))
    })

    it('stamp: changes with every stored revision and every delete', async () => {
      const store = await makeStore()
      const seen = new Set([await store.stamp()])
      await store.put(storedRecord('east-1', 1))
      seen.add(await store.stamp())
      await store.put(storedRecord('east-1', 2))
      seen.add(await store.stamp())
      await store.delete('east-1')
      expect(seen.size).toBe(3)
      expect(await store.stamp()).toBe(stampOf([]))
    })

    it('delete: removes a cluster once, then reports there was none', async () => {
      const store = await makeStore()
      await store.put(storedRecord('east-1', 7))
      await store.put(storedRecord('west-1', 2))
      expect(await store.delete('east-1')).toBe(true)
      expect(await store.delete('east-1')).toBe(false)
      expect(await store.delete('never-pushed')).toBe(false)
      expect((await store.list()).map((s) => s.cluster)).toEqual(['west-1'])
    })

    it('delete: a deleted cluster accepts any revision again, and the stamp tells the contents apart', async () => {
      const store = await makeStore()
      await store.put(storedRecord('east-1', 7))
      const before = await store.stamp()
      await store.delete('east-1')
      const again = storedRecord('east-1', 7, 'new content')
      expect(await store.put(again)).toEqual({ status: 'stored', summary: summaryOf(again) })
      expect(await store.stamp()).not.toBe(before)
    })

    it('large documents round-trip exactly, multi-byte text included', async () => {
      const store = await makeStore()
      const record = { ...storedRecord('east-1', 1), document: JSON.stringify({ text: 'é€😀'.repeat(300_000) }) }
      await store.put(record)
      expect((await store.load()).snapshots[0]!.document).toBe(record.document)
    })

    it('concurrent puts: the newest revision is held, whatever order they finish in', async () => {
      const store = await makeStore()
      const revisions = [3, 8, 1, 6, 2, 7, 5, 4]
      const outcomes = await Promise.all(revisions.map((r) => store.put(storedRecord('east-1', r))))
      expect((await store.list()).map((s) => s.revision)).toEqual([8])
      // Whatever order they ran in, each put was decided against what an earlier one left.
      outcomes.forEach((outcome, i) => {
        if (outcome.status === 'stale') expect(outcome.current).toBeGreaterThan(revisions[i]!)
        else expect(outcome).toEqual({ status: 'stored', summary: summaryOf(storedRecord('east-1', revisions[i]!)) })
      })
      expect(outcomes[revisions.indexOf(8)]!.status).toBe('stored')
      const contents = await store.load()
      expect(contents.snapshots).toEqual([storedRecord('east-1', 8)])
      expect(contents.stamp).toBe(await store.stamp())
    })

    it('index: built from what is held, once per change, named by its content', async () => {
      const store = await makeStore()
      const empty = await store.index()
      expect(new PackedIndex(empty.bytes).clusters).toEqual([])
      expect(empty.stamp).toBe(stampOf([]))
      await store.put(snapshotRecord('east-1', 1, 'first'))
      await store.put(snapshotRecord('west-1', 1, 'second'))
      const built = await store.index()
      expect(built.stamp).toBe(await store.stamp())
      expect(built.digest).toMatch(/^[0-9a-f]{64}$/)
      expect(built.digest).not.toBe(empty.digest)
      const index = new PackedIndex(built.bytes)
      expect(index.node('first.bookinfo.svc.cluster.local')).toBeDefined()
      expect(index.node('second.bookinfo.svc.cluster.local')).toBeDefined()
      expect(index.revisions).toEqual([
        { cluster: 'east-1', revision: 1 },
        { cluster: 'west-1', revision: 1 },
      ])
      expect((await store.index()).digest).toBe(built.digest)
      await store.put(snapshotRecord('east-1', 2, 'third'))
      await store.delete('west-1')
      const next = new PackedIndex((await store.index()).bytes)
      expect(next.node('third.bookinfo.svc.cluster.local')).toBeDefined()
      expect(next.node('first.bookinfo.svc.cluster.local')).toBeUndefined()
      expect(next.node('second.bookinfo.svc.cluster.local')).toBeUndefined()
    })

    it('index: readers asking while pushes land never get an index older than the stamp they read', async () => {
      const store = await makeStore()
      for (let revision = 1; revision <= 6; revision++) {
        const pushing = store.put(snapshotRecord('east-1', revision, `svc-${revision}`))
        const stamp = await store.stamp()
        const [index] = await Promise.all([store.index(), pushing])
        const held = new PackedIndex(index.bytes).revisions[0]?.revision ?? 0
        expect(held).toBeGreaterThanOrEqual(Number(/@(\d+)/.exec(stamp)?.[1] ?? 0))
      }
    })

    it("held: a cluster's record with its document and canonical digest, or nothing", async () => {
      const store = await makeStore()
      expect(await store.held('east-1')).toBeUndefined()
      const record = { ...snapshotRecord('east-1', 1), canonical: `sha256:${'c'.repeat(64)}` }
      await store.put(record)
      expect(await store.held('east-1')).toEqual(record)
    })

    it("put with a base (a delta): stored only over that revision, decided under the store's lock", async () => {
      const store = await makeStore()
      await store.put(storedRecord('east-1', 1))
      expect(await store.put(storedRecord('east-1', 3), { base: 2 })).toEqual({ status: 'stale', current: 1 })
      expect(await store.put(storedRecord('west-1', 3), { base: 2 })).toEqual({ status: 'stale', current: 0 })
      // Two deltas from the same base: one lands, the other is told what is held now.
      const outcomes = await Promise.all([
        store.put(storedRecord('east-1', 2, 'a'), { base: 1 }),
        store.put(storedRecord('east-1', 3, 'b'), { base: 1 }),
      ])
      expect(outcomes.filter((o) => o.status === 'stored')).toHaveLength(1)
      expect(outcomes.filter((o) => o.status === 'stale')).toHaveLength(1)
      // The same delta again is an identical retry, whatever its base says now.
      const landed = outcomes[0]!.status === 'stored' ? storedRecord('east-1', 2, 'a') : storedRecord('east-1', 3, 'b')
      expect((await store.put(landed, { base: 1 })).status).toBe('identical')
    })

    it('concurrent puts and deletes of different clusters do not disturb each other', async () => {
      const store = await makeStore()
      await store.put(storedRecord('gone', 1))
      await Promise.all([
        store.put(storedRecord('east-1', 1)),
        store.delete('gone'),
        store.put(storedRecord('west-1', 1)),
        store.put(storedRecord('east-1', 2)),
      ])
      const listed = (await store.list()).map((s) => `${s.cluster}@${s.revision}`).sort()
      expect(listed).toEqual(['east-1@2', 'west-1@1'])
    })
  })
}
