/**
 * The holder with `keepParsed` (the Node server's): a push's registry is compiled while the
 * store writes and taken only if the store then holds exactly what it was compiled from.
 */
import { describe, expect, it } from 'vitest'
import { RegistryHolder, type HolderOptions } from '../../src/registry/holder.ts'
import { parseSnapshotReusing } from '../../src/registry/revalidate.ts'
import { MemoryStore } from '../../src/store/memory.ts'
import { bookinfoSnapshot, type SnapshotDoc } from '../helpers/fixtures.ts'

const OPTIONS: HolderOptions = { defaultDomain: 'cluster.local', freshnessMs: 60_000 }
const KEEP: HolderOptions = { ...OPTIONS, keepParsed: true, pause: () => new Promise((r) => setTimeout(r, 0)) }

function holderOn(store: MemoryStore, options: HolderOptions) {
  return new RegistryHolder(store, options)
}

/** A push as the push route makes it: validated, stored, prepared, remembered. */
async function push(store: MemoryStore, holder: RegistryHolder, doc: SnapshotDoc, digest: string) {
  const parsed = parseSnapshotReusing(doc, 'east-1', holder.validatedOf('east-1'))
  if (!parsed.ok) throw new Error(`${parsed.path}: ${parsed.error}`)
  const { snapshot } = parsed
  const stored = store.put({
    cluster: snapshot.cluster,
    revision: snapshot.revision,
    generatedAt: snapshot.generatedAt,
    receivedAt: snapshot.generatedAt,
    names: 0,
    digest,
    document: JSON.stringify(snapshot),
  })
  holder.prepare(digest, snapshot)
  expect((await stored).status).toBe('stored')
  holder.remember(digest, snapshot, parsed.validated)
  holder.invalidate()
}

const withService = (revision: number, name: string) => {
  const doc = bookinfoSnapshot({ revision })
  ;(doc.services as unknown[]).push({ name, namespace: 'bookinfo', clusterIPs: ['10.96.50.50'] })
  return doc
}

const has = async (holder: RegistryHolder, name: string) => (await holder.current()).data.names.has(name)

describe('registry holder keeping parsed snapshots', () => {
  it('takes the registry prepared during a push, compiled once', async () => {
    const store = new MemoryStore()
    const holder = holderOn(store, KEEP)
    await push(store, holder, withService(1, 'first'), 'd1')
    expect(await has(holder, 'first.bookinfo.svc.cluster.local')).toBe(true)
    await push(store, holder, withService(2, 'second'), 'd2')
    expect(await has(holder, 'second.bookinfo.svc.cluster.local')).toBe(true)
    expect(await has(holder, 'first.bookinfo.svc.cluster.local')).toBe(false)
    expect(holder.compiles).toBe(2)
    expect(holder.prepared).toBe(2)
    expect(holder.validatedOf('east-1')?.snapshot.revision).toBe(2)
  })

  it('compiles what the store holds when that is not what was prepared', async () => {
    const store = new MemoryStore()
    const holder = holderOn(store, KEEP)
    await push(store, holder, withService(1, 'first'), 'd1')
    await holder.current()
    // Prepared for revision 2, but another writer stored revision 3 meanwhile.
    const parsed = parseSnapshotReusing(withService(2, 'prepared'), 'east-1')
    if (!parsed.ok) throw new Error(parsed.error)
    holder.prepare('d2', parsed.snapshot)
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
    expect(await has(holder, 'elsewhere.bookinfo.svc.cluster.local')).toBe(true)
    expect(await has(holder, 'prepared.bookinfo.svc.cluster.local')).toBe(false)
    expect(holder.prepared).toBe(1)
  })

  it('forgets a deleted cluster', async () => {
    const store = new MemoryStore()
    const holder = holderOn(store, KEEP)
    await push(store, holder, withService(1, 'first'), 'd1')
    await holder.current()
    expect(holder.validatedOf('east-1')).toBeDefined()
    await store.delete('east-1')
    holder.invalidate()
    expect(await has(holder, 'first.bookinfo.svc.cluster.local')).toBe(false)
    expect(holder.validatedOf('east-1')).toBeUndefined()
  })

  it('keeps nothing parsed and prepares nothing without keepParsed (a Workers isolate)', async () => {
    const store = new MemoryStore()
    const holder = holderOn(store, OPTIONS)
    await push(store, holder, withService(1, 'first'), 'd1')
    expect(await has(holder, 'first.bookinfo.svc.cluster.local')).toBe(true)
    expect(holder.prepared).toBe(0)
    expect(holder.validatedOf('east-1')).toBeUndefined()
  })
})
