/**
 * The holder with `keepParsed` (the Node server's): it keeps each cluster's last validated push
 * for the next one to be revalidated against, and carries compiled records over, while every
 * registry it makes current answers exactly what the store holds.
 */
import { describe, expect, it } from 'vitest'
import { RegistryHolder, type HolderOptions } from '../../src/registry/holder.ts'
import { parseSnapshotReusing } from '../../src/registry/revalidate.ts'
import { MemoryStore } from '../../src/store/memory.ts'
import { bookinfoSnapshot, type SnapshotDoc } from '../helpers/fixtures.ts'

const OPTIONS: HolderOptions = { defaultDomain: 'cluster.local', freshnessMs: 60_000 }
const KEEP: HolderOptions = { ...OPTIONS, keepParsed: true }

/** A push as the push route makes it: validated against the last one, stored, remembered. */
async function push(store: MemoryStore, holder: RegistryHolder, doc: SnapshotDoc, digest: string) {
  const parsed = parseSnapshotReusing(doc, 'east-1', holder.validatedOf('east-1'))
  if (!parsed.ok) throw new Error(`${parsed.path}: ${parsed.error}`)
  const { snapshot } = parsed
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
  holder.remember(digest, snapshot, parsed.validated)
  holder.invalidate()
}

const withService = (revision: number, name: string) => {
  const doc = bookinfoSnapshot({ revision })
  ;(doc.services as unknown[]).push({ name, namespace: 'bookinfo', clusterIPs: ['10.96.50.50'] })
  return doc
}

const nodeAt = async (holder: RegistryHolder, name: string) => (await holder.current()).index.node(name)

describe('registry holder keeping parsed snapshots', () => {
  it('compiles once per push, carrying the records of unchanged services over', async () => {
    const store = new MemoryStore()
    const holder = new RegistryHolder(store, KEEP)
    await push(store, holder, withService(1, 'first'), 'd1')
    const reviews = await nodeAt(holder, 'reviews.bookinfo.svc.cluster.local')
    expect(await nodeAt(holder, 'first.bookinfo.svc.cluster.local')).toBeDefined()
    await push(store, holder, withService(2, 'second'), 'd2')
    expect(await nodeAt(holder, 'second.bookinfo.svc.cluster.local')).toBeDefined()
    expect(await nodeAt(holder, 'first.bookinfo.svc.cluster.local')).toBeUndefined()
    expect(await nodeAt(holder, 'reviews.bookinfo.svc.cluster.local')).toEqual(reviews)
    expect(holder.compiles).toBe(2)
    expect(holder.validatedOf('east-1')?.snapshot.revision).toBe(2)
  })

  it('compiles what the store holds when another writer changed it', async () => {
    const store = new MemoryStore()
    const holder = new RegistryHolder(store, KEEP)
    await push(store, holder, withService(1, 'first'), 'd1')
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
    holder.invalidate()
    expect(await nodeAt(holder, 'elsewhere.bookinfo.svc.cluster.local')).toBeDefined()
    expect(await nodeAt(holder, 'first.bookinfo.svc.cluster.local')).toBeUndefined()
  })

  it('forgets a deleted cluster', async () => {
    const store = new MemoryStore()
    const holder = new RegistryHolder(store, KEEP)
    await push(store, holder, withService(1, 'first'), 'd1')
    await holder.current()
    expect(holder.validatedOf('east-1')).toBeDefined()
    await store.delete('east-1')
    holder.invalidate()
    expect(await nodeAt(holder, 'first.bookinfo.svc.cluster.local')).toBeUndefined()
    expect(holder.validatedOf('east-1')).toBeUndefined()
  })

  it('keeps nothing parsed without keepParsed (a Workers isolate)', async () => {
    const store = new MemoryStore()
    const holder = new RegistryHolder(store, OPTIONS)
    await push(store, holder, withService(1, 'first'), 'd1')
    const reviews = await nodeAt(holder, 'reviews.bookinfo.svc.cluster.local')
    expect(holder.validatedOf('east-1')).toBeUndefined()
    await push(store, holder, withService(2, 'second'), 'd2')
    expect(await nodeAt(holder, 'reviews.bookinfo.svc.cluster.local')).not.toBe(reviews)
  })
})
