/**
 * Isolates get the packed index from the Cache API of their location, not from the Durable
 * Object: the pointer is shared for one freshness interval, the index by its digest. A cached
 * or stored index that does not load is never served.
 */
import { env, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { RegistryHolder } from '../../src/registry/holder.ts'
import { PackedIndexError } from '../../src/registry/packed-format.ts'
import { PackedIndex } from '../../src/registry/packed.ts'
import { DurableObjectStore, type SnapshotStoreObject } from '../../src/store/durable-object.ts'
import { snapshotRecord } from './contract.ts'

const namespace = env.SNAPSHOTS as unknown as DurableObjectNamespace<SnapshotStoreObject>
let n = 0

/** A registry of its own, and `isolates` stores over it sharing one cache, as isolates of a location do. */
async function location(isolates: number) {
  const name = `cache-${n++}-${Date.now()}`
  const cache = await caches.open(name)
  const stores = Array.from(
    { length: isolates },
    () => new DurableObjectStore(namespace, name, { freshnessSeconds: 5, cache })
  )
  return { name, cache, stores }
}

function holderOf(store: DurableObjectStore, errors: unknown[] = [], now = () => Date.now()) {
  return new RegistryHolder(
    {
      stamp: () => store.indexStamp(),
      index: () => store.index(),
      discard: (digest) => store.discard(digest),
    },
    { defaultDomain: 'cluster.local', freshnessMs: 1000, staleMs: 5000, now, onError: (e) => errors.push(e) }
  )
}

describe('the index through the Cache API', () => {
  it('one isolate fetches it from the object; the others of the location find pointer and index cached', async () => {
    const { stores } = await location(3)
    await stores[0]!.put(snapshotRecord('east-1', 1, 'first'))
    const first = await stores[0]!.index()
    expect(stores[0]!.fetches).toMatchObject({ fromOrigin: 1, fromCache: 0 })
    expect(stores[0]!.fetches.bytesFromOrigin).toBe(first.bytes.length)
    for (const other of stores.slice(1)) {
      const got = await other.index()
      expect(got.digest).toBe(first.digest)
      expect(other.fetches).toEqual({ fromCache: 1, fromOrigin: 0, bytesFromOrigin: 0, pointerFromOrigin: 0 })
      expect(new PackedIndex(got.bytes).node('first.bookinfo.svc.cluster.local')).toBeDefined()
    }
  })

  it('the isolate that pushed serves its push at once; the others within the freshness interval', async () => {
    const { stores } = await location(2)
    const [pusher, other] = stores as [DurableObjectStore, DurableObjectStore]
    await pusher.put(snapshotRecord('east-1', 1, 'first'))
    await other.index()
    await pusher.put(snapshotRecord('east-1', 2, 'second'))
    expect(new PackedIndex((await pusher.index()).bytes).node('second.bookinfo.svc.cluster.local')).toBeDefined()
    // The pusher refreshed the shared pointer: the other isolate's next check sees the change.
    expect(new PackedIndex((await other.index()).bytes).node('second.bookinfo.svc.cluster.local')).toBeDefined()
  })

  it('splits an index larger than one stored value into chunks and joins them back', async () => {
    const { stores, name } = await location(1)
    const doc = JSON.parse(snapshotRecord('east-1', 1).document) as { services: unknown[] }
    for (let i = 0; i < 20_000; i++)
      doc.services.push({
        name: `svc-${i}`,
        namespace: 'bookinfo',
        clusterIPs: [`10.97.${i >> 8}.${i & 255}`],
        ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
        exportTo: ['*'],
        endpoints: [],
      })
    const record = { ...snapshotRecord('east-1', 1), document: JSON.stringify(doc) }
    await stores[0]!.put(record)
    const index = await stores[0]!.index()
    expect(index.bytes.length).toBeGreaterThan(1024 * 1024)
    const chunks = await runInDurableObject(namespace.get(namespace.idFromName(name)), (_, state) =>
      state.storage.sql.exec('SELECT COUNT(*) AS n FROM index_chunks WHERE digest = ?', index.digest).one()
    )
    expect(Number(chunks.n)).toBeGreaterThan(1)
    expect(new PackedIndex(index.bytes).node('svc-19999.bookinfo.svc.cluster.local')).toBeDefined()
  })

  const SPOILERS: Array<[string, (bytes: Uint8Array) => Uint8Array]> = [
    ['truncated', (b) => b.subarray(0, b.length - 12)],
    ['a flipped byte', (b) => ((b[b.length >> 1] ^= 8), b)],
    ['a future version', (b) => ((b[4] = 7), b)],
  ]

  it.each(SPOILERS)('a cached index %s is refused, dropped from the cache and fetched again', async (_, spoil) => {
    const { stores, cache, name } = await location(2)
    await stores[0]!.put(snapshotRecord('east-1', 1, 'first'))
    const good = await stores[0]!.index()
    const key = `https://index.meshdoh.invalid/${name}/index/${good.digest}`
    await cache.put(key, new Response(spoil(good.bytes.slice()), { headers: { 'Cache-Control': 'max-age=3600' } }))
    const errors: unknown[] = []
    const holder = holderOf(stores[1]!, errors)
    await holder.current()
    expect(errors).toHaveLength(1)
    expect(errors[0]).toBeInstanceOf(PackedIndexError)
    expect(await cache.match(key)).toBeUndefined()
    holder.invalidate()
    expect((await holder.current()).index.node('first.bookinfo.svc.cluster.local')).toBeDefined()
    expect(stores[1]!.fetches.fromOrigin).toBe(1)
  })

  it.each(SPOILERS)('a stored index %s is never served: the last good one is, marked stale', async (_, spoil) => {
    const { stores, name } = await location(1)
    let now = 1_000_000
    const errors: unknown[] = []
    const holder = holderOf(stores[0]!, errors, () => now)
    await stores[0]!.put(snapshotRecord('east-1', 1, 'first'))
    expect((await holder.current()).index.node('first.bookinfo.svc.cluster.local')).toBeDefined()
    await stores[0]!.put(snapshotRecord('east-1', 2, 'second'))
    const { digest } = await runInDurableObject(namespace.get(namespace.idFromName(name)), async (object) =>
      (object as unknown as SnapshotStoreObject).pointer()
    )
    await runInDurableObject(namespace.get(namespace.idFromName(name)), (_, state) => {
      const row = state.storage.sql.exec('SELECT body FROM index_chunks WHERE digest = ? AND seq = 0', digest).one()
      const spoilt = spoil(new Uint8Array(row.body as ArrayBuffer).slice())
      state.storage.sql.exec('UPDATE index_chunks SET body = ? WHERE digest = ? AND seq = 0', spoilt, digest)
      state.storage.sql.exec('UPDATE index_current SET bytes = ?', spoilt.length)
    })
    for (let i = 0; i < 8; i++) {
      now += 1000
      holder.invalidate()
      const registry = await holder.current()
      expect(registry.index.node('first.bookinfo.svc.cluster.local')).toBeDefined()
      expect(registry.index.node('second.bookinfo.svc.cluster.local')).toBeUndefined()
    }
    expect(errors.length).toBeGreaterThanOrEqual(8)
    expect(holder.stale()).toBe(true)
  })
})
