/**
 * The push side builds the index (index-builder.ts), the holder only loads it. With
 * `keepParsed` (the Node server's) the builder keeps each cluster's last validated push for
 * the next one to be revalidated against, and carries compiled records over; every index it
 * builds answers exactly what the store holds. A stored index that does not load is never
 * served: the holder keeps its last good registry, reports the fault and marks answers stale.
 */
import { describe, expect, it } from 'vitest'
import { RegistryHolder, type HolderOptions, type IndexSource } from '../../src/registry/holder.ts'
import { PackedIndexError } from '../../src/registry/packed-format.ts'
import { parseSnapshotReusing } from '../../src/registry/revalidate.ts'
import { MemoryStore } from '../../src/store/memory.ts'
import { bookinfoSnapshot, type SnapshotDoc } from '../helpers/fixtures.ts'

const OPTIONS: HolderOptions = { defaultDomain: 'cluster.local', freshnessMs: 60_000 }
const keeping = () => new MemoryStore({ defaultDomain: 'cluster.local', keepParsed: true })

/** A push as the push route makes it: validated against the last one, handed to the builder, stored. */
async function push(store: MemoryStore, doc: SnapshotDoc, digest: string) {
  const parsed = parseSnapshotReusing(doc, 'east-1', store.builder?.validatedOf('east-1'))
  if (!parsed.ok) throw new Error(`${parsed.path}: ${parsed.error}`)
  const { snapshot } = parsed
  store.builder?.remember(digest, snapshot, parsed.validated)
  const outcome = await store.put({
    cluster: snapshot.cluster,
    revision: snapshot.revision,
    generatedAt: snapshot.generatedAt,
    receivedAt: snapshot.generatedAt,
    names: 0,
    digest,
    document: JSON.stringify(snapshot),
  })
  expect(outcome.status).toBe('stored')
}

const withService = (revision: number, name: string) => {
  const doc = bookinfoSnapshot({ revision })
  ;(doc.services as unknown[]).push({ name, namespace: 'bookinfo', clusterIPs: ['10.96.50.50'] })
  return doc
}

async function nodeAt(holder: RegistryHolder, name: string) {
  holder.invalidate()
  return (await holder.current()).index.node(name)
}

describe('the index builder keeping parsed snapshots', () => {
  it('builds once per change, and what it builds answers what the store holds', async () => {
    const store = keeping()
    const holder = new RegistryHolder(store, OPTIONS)
    await push(store, withService(1, 'first'), 'd1')
    expect(await nodeAt(holder, 'first.bookinfo.svc.cluster.local')).toBeDefined()
    await push(store, withService(2, 'second'), 'd2')
    expect(await nodeAt(holder, 'second.bookinfo.svc.cluster.local')).toBeDefined()
    expect(await nodeAt(holder, 'first.bookinfo.svc.cluster.local')).toBeUndefined()
    expect(await nodeAt(holder, 'reviews.bookinfo.svc.cluster.local')).toBeDefined()
    expect(holder.loads).toBe(2)
    expect(store.builder?.validatedOf('east-1')?.snapshot.revision).toBe(2)
  })

  it('builds from what the store holds when another writer changed it', async () => {
    const store = keeping()
    const holder = new RegistryHolder(store, OPTIONS)
    await push(store, withService(1, 'first'), 'd1')
    await holder.current()
    const other = parseSnapshotReusing(withService(3, 'elsewhere'), 'east-1')
    if (!other.ok) throw new Error(other.error)
    await store.put({
      cluster: 'east-1',
      revision: 3,
      generatedAt: other.snapshot.generatedAt,
      receivedAt: other.snapshot.generatedAt,
      names: 0,
      digest: 'd3',
      document: JSON.stringify(other.snapshot),
    })
    expect(await nodeAt(holder, 'elsewhere.bookinfo.svc.cluster.local')).toBeDefined()
    expect(await nodeAt(holder, 'first.bookinfo.svc.cluster.local')).toBeUndefined()
  })

  it('forgets a deleted cluster', async () => {
    const store = keeping()
    const holder = new RegistryHolder(store, OPTIONS)
    await push(store, withService(1, 'first'), 'd1')
    await holder.current()
    expect(store.builder?.validatedOf('east-1')).toBeDefined()
    await store.delete('east-1')
    expect(await nodeAt(holder, 'first.bookinfo.svc.cluster.local')).toBeUndefined()
    expect(store.builder?.validatedOf('east-1')).toBeUndefined()
  })

  it('keeps nothing parsed without keepParsed (the Durable Object)', async () => {
    const store = new MemoryStore()
    await push(store, withService(1, 'first'), 'd1')
    await store.index()
    expect(store.builder?.validatedOf('east-1')).toBeUndefined()
  })
})

describe('a stored index that does not load', () => {
  /** A store whose index bytes the test can spoil. */
  function spoilable() {
    const store = new MemoryStore()
    const discarded: string[] = []
    let spoil: ((bytes: Uint8Array) => Uint8Array) | undefined
    const source: IndexSource = {
      stamp: () => store.stamp(),
      index: async () => {
        const built = await store.index()
        return spoil ? { ...built, digest: `${built.digest}!`, bytes: spoil(built.bytes.slice()) } : built
      },
      discard: async (digest) => void discarded.push(digest),
    }
    return { store, source, discarded, spoilWith: (f: (bytes: Uint8Array) => Uint8Array) => (spoil = f) }
  }

  const SPOILERS: Array<[string, (bytes: Uint8Array) => Uint8Array]> = [
    ['truncated', (b) => b.subarray(0, b.length - 8)],
    ['a flipped byte', (b) => ((b[b.length >> 1] ^= 0x40), b)],
    ['a future version', (b) => ((b[4] = 2), b)],
    ['empty', () => new Uint8Array()],
  ]

  it.each(SPOILERS)('%s: keeps the last good registry, reports it, and goes stale', async (_, spoiler) => {
    let now = 1_000_000
    const { store, source, discarded, spoilWith } = spoilable()
    const errors: unknown[] = []
    const holder = new RegistryHolder(source, {
      ...OPTIONS,
      freshnessMs: 1000,
      staleMs: 10_000,
      now: () => now,
      onError: (e) => errors.push(e),
    })
    await push(store, withService(1, 'first'), 'd1')
    expect((await holder.current()).index.node('first.bookinfo.svc.cluster.local')).toBeDefined()
    spoilWith(spoiler)
    await push(store, withService(2, 'second'), 'd2')
    for (let i = 0; i < 15; i++) {
      now += 1000
      const registry = await holder.current()
      expect(registry.index.node('first.bookinfo.svc.cluster.local')).toBeDefined()
      expect(registry.index.node('second.bookinfo.svc.cluster.local')).toBeUndefined()
    }
    expect(errors.length).toBeGreaterThan(5)
    expect(errors.every((e) => e instanceof PackedIndexError)).toBe(true)
    expect(discarded.length).toBe(errors.length)
    expect(holder.stale()).toBe(true)
    expect(holder.serving().clusters).toEqual([{ cluster: 'east-1', revision: 1 }])
  })
})
