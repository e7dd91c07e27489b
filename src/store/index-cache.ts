/**
 * How a Worker isolate gets the packed index without asking the one Durable Object for it:
 * through the Cache API of its own location. Two entries per registry:
 *
 * - the pointer (stamp and digest of the current index), cached for one freshness interval,
 *   so the isolates of a location ask the object at most once per interval between them;
 * - the index itself, by digest. Its content never changes, so it is cached for a day; once
 *   one isolate of a location has fetched it, the others read it there.
 *
 * An isolate that has just pushed skips the shared pointer once, so it serves its own change
 * at once. Where the Cache API is not available (or is a no-op, as on workers.dev), every
 * read goes to the object, which is correct, only slower.
 */

/** What the Durable Object says about its current index. */
export interface IndexPointer {
  stamp: string
  digest: string
  bytes: number
  chunks: number
}

export interface IndexCacheOptions {
  /** Tells registries apart in a shared cache: the Durable Object's name. */
  scope: string
  freshnessSeconds: number
  /** Default: `caches.default` where it exists. */
  cache?: Cache
  pointer(): Promise<IndexPointer>
  chunk(digest: string, seq: number): Promise<Uint8Array | null>
}

/** Where the last index came from, for the cold-start benchmark and /metrics. */
export interface IndexFetchStats {
  fromCache: number
  fromOrigin: number
  bytesFromOrigin: number
  pointerFromOrigin: number
}

const ORIGIN = 'https://index.meshdoh.invalid'

export class IndexCache {
  #skipShared = false
  readonly stats: IndexFetchStats = { fromCache: 0, fromOrigin: 0, bytesFromOrigin: 0, pointerFromOrigin: 0 }

  constructor(private readonly options: IndexCacheOptions) {}

  #cache(): Cache | undefined {
    return this.options.cache ?? (globalThis as { caches?: { default?: Cache } }).caches?.default
  }

  #key(part: string): string {
    return `${ORIGIN}/${encodeURIComponent(this.options.scope)}/${part}`
  }

  /** The next pointer read goes to the object (after this isolate changed the registry). */
  skipShared(): void {
    this.#skipShared = true
  }

  async pointer(): Promise<IndexPointer> {
    const cache = this.#cache()
    const key = this.#key('current')
    if (cache !== undefined && !this.#skipShared) {
      const hit = await cache.match(key)
      if (hit !== undefined) return (await hit.json()) as IndexPointer
    }
    this.#skipShared = false
    const pointer = await this.options.pointer()
    this.stats.pointerFromOrigin++
    // max-age is whole seconds: an interval under one second is not shared at all.
    const maxAge = Math.floor(this.options.freshnessSeconds)
    if (maxAge >= 1)
      await cache?.put(
        key,
        new Response(JSON.stringify(pointer), {
          headers: { 'Content-Type': 'application/json', 'Cache-Control': `max-age=${maxAge}` },
        })
      )
    return pointer
  }

  async index(): Promise<{ stamp: string; digest: string; bytes: Uint8Array }> {
    for (let attempt = 0; ; attempt++) {
      const pointer = await this.pointer()
      const bytes = await this.#blob(pointer)
      if (bytes !== undefined) return { stamp: pointer.stamp, digest: pointer.digest, bytes }
      // The object moved on between the pointer and the chunks: ask it, not the cache, again.
      if (attempt >= 2) throw new Error(`index ${pointer.digest} is no longer held`)
      this.skipShared()
    }
  }

  /** Forgets a cached index that did not load, so the next read fetches it from the object. */
  async discard(digest: string): Promise<void> {
    await this.#cache()?.delete(this.#key(`index/${digest}`))
  }

  async #blob(pointer: IndexPointer): Promise<Uint8Array | undefined> {
    const cache = this.#cache()
    const key = this.#key(`index/${pointer.digest}`)
    const hit = await cache?.match(key)
    if (hit !== undefined) {
      this.stats.fromCache++
      return new Uint8Array(await hit.arrayBuffer())
    }
    const bytes = new Uint8Array(pointer.bytes)
    let at = 0
    for (let seq = 0; seq < pointer.chunks; seq++) {
      const chunk = await this.options.chunk(pointer.digest, seq)
      if (chunk === null || at + chunk.length > bytes.length) return undefined
      bytes.set(chunk, at)
      at += chunk.length
    }
    if (at !== pointer.bytes) return undefined
    this.stats.fromOrigin++
    this.stats.bytesFromOrigin += at
    await cache?.put(
      key,
      new Response(bytes, {
        headers: { 'Content-Type': 'application/octet-stream', 'Cache-Control': 'max-age=86400, immutable' },
      })
    )
    return bytes
  }
}
