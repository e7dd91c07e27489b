/**
 * Holds the registry of one isolate or process: the packed index of the current revision,
 * loaded as it is and swapped as one reference (Istio UpdateLookupTable), so a query never
 * sees half of one revision and half of another. The store is asked whether anything changed
 * at most once per freshness interval; the hot path otherwise touches no storage. Building
 * the index is the push side's work (index-builder.ts); here it is only loaded.
 */
import { compileRegistry } from './compile.ts'
import { PackedIndexError } from './packed-format.ts'
import { PackedIndex } from './packed.ts'
import type { PublishPolicy } from './publish-policy.ts'
import { PublishedViews } from './published-views.ts'
import { Registry } from './registry.ts'

/** What the holder reads; every snapshot store has this shape. */
export interface IndexSource {
  stamp(): Promise<string>
  index(): Promise<{ stamp: string; digest: string; bytes: Uint8Array; loaded?: PackedIndex }>
  /** Told of an index that did not load, so that a cached copy of it is not handed over again. */
  discard?(digest: string): Promise<void>
}

export interface HolderOptions {
  defaultDomain: string
  freshnessMs: number
  now?: () => number
  /**
   * Told when the store cannot be read or hands over an index that does not load (a wrong
   * version, length or checksum): the last good registry keeps serving.
   */
  onError?: (error: unknown) => void
  /** After this long without a successful check, answers are marked stale (RFC 8914 code 3). */
  staleMs?: number
  /** The scope every view declared in a cluster gets (publish-policy.ts), as MESHDOH_VIEWS' views do. */
  viewScope?: PublishPolicy
}

/** What this isolate answers from, for `/v1/snapshots` when the store cannot be read. */
export interface Serving {
  clusters: Array<{ cluster: string; revision: number }>
  /** Milliseconds since the store was last read successfully. */
  sinceCheckMs: number
  stale: boolean
}

export class RegistryHolder {
  #registry: Registry
  /** The store's stamp when it was last read, and the digest of the index loaded then. */
  #stamp: string | undefined
  #digest: string | undefined
  #checkedAt = -Infinity
  #succeededAt = -Infinity
  #serving: Serving['clusters'] = []
  #refresh: Promise<Registry> | undefined
  /** How many indexes were loaded: once per revision, never per query. */
  loads = 0
  /** Bytes of the index held now. */
  indexBytes = 0

  constructor(
    private readonly source: IndexSource,
    private readonly options: HolderOptions
  ) {
    this.#registry = compileRegistry([], { defaultDomain: options.defaultDomain })
  }

  /** The registry to answer from: the held one, re-checked when the freshness interval passed. */
  current(): Registry | Promise<Registry> {
    const now = (this.options.now ?? Date.now)()
    if (now - this.#checkedAt < this.options.freshnessMs) return this.#registry
    this.#refresh ??= this.#check(now).finally(() => (this.#refresh = undefined))
    return this.#refresh
  }

  /** Whether answers come from a registry the store has not confirmed for longer than the bound. */
  serving(): Serving {
    const sinceCheckMs = (this.options.now ?? Date.now)() - this.#succeededAt
    return { clusters: this.#serving, sinceCheckMs, stale: this.stale() }
  }

  stale(): boolean {
    const sinceCheckMs = (this.options.now ?? Date.now)() - this.#succeededAt
    return this.#stamp !== undefined && sinceCheckMs > (this.options.staleMs ?? 60_000)
  }

  /** Makes the next `current()` ask the store: after a push or delete in this isolate. */
  invalidate(): void {
    this.#checkedAt = -Infinity
  }

  async #check(now: number): Promise<Registry> {
    try {
      const stamp = await this.source.stamp()
      if (stamp !== this.#stamp) {
        const index = await this.source.index()
        if (index.digest !== this.#digest) {
          let packed: PackedIndex
          try {
            packed = index.loaded ?? new PackedIndex(index.bytes)
          } catch (error) {
            if (error instanceof PackedIndexError) await this.source.discard?.(index.digest)
            throw error
          }
          this.#registry = new Registry(packed, new PublishedViews(packed.revisions, this.options.viewScope))
          this.#digest = index.digest
          this.#serving = packed.revisions.map(({ cluster, revision }) => ({ cluster, revision }))
          this.indexBytes = packed.byteLength
          this.loads++
        }
        this.#stamp = index.stamp
      }
      this.#checkedAt = now
      this.#succeededAt = now
    } catch (error) {
      // Keep serving what we have; ask again in a second rather than on every query.
      this.#checkedAt = now - this.options.freshnessMs + Math.min(1000, this.options.freshnessMs)
      this.options.onError?.(error)
    }
    return this.#registry
  }
}
