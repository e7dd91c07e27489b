/**
 * Holds the compiled registry of one isolate or process: compiled once per revision and
 * swapped as one reference (Istio UpdateLookupTable), so a query never sees half of one
 * revision and half of another. The store is asked whether anything changed at most once
 * per freshness interval; the hot path otherwise touches no storage.
 */
import { compileRegistry } from './compile.ts'
import { Registry } from './registry.ts'
import type { Snapshot } from './schema.ts'

/** What the holder reads; every snapshot store has this shape. */
export interface SnapshotSource {
  stamp(): Promise<string>
  load(): Promise<{
    stamp: string
    snapshots: Array<{ cluster: string; revision: number; digest: string; document: string }>
  }>
}

export interface HolderOptions {
  defaultDomain: string
  freshnessMs: number
  now?: () => number
  /** Told when the store cannot be read; the last compiled registry keeps serving. */
  onError?: (error: unknown) => void
  /** After this long without a successful check, answers are marked stale (RFC 8914 code 3). */
  staleMs?: number
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
  #stamp: string | undefined
  #checkedAt = -Infinity
  #succeededAt = -Infinity
  #serving: Serving['clusters'] = []
  /** Documents pushed through this isolate since the last compile, parsed, by digest. */
  #parsed = new Map<string, Snapshot>()
  #refresh: Promise<Registry> | undefined
  /** How many times a registry was compiled: once per revision, never per query. */
  compiles = 0

  constructor(
    private readonly source: SnapshotSource,
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

  /**
   * A snapshot this isolate has just validated and stored, by the digest it was stored with:
   * the next compile takes it as it is instead of parsing the stored document back.
   */
  remember(digest: string, snapshot: Snapshot): void {
    this.#parsed.set(digest, snapshot)
  }

  /** Makes the next `current()` ask the store: after a push or delete in this isolate. */
  invalidate(): void {
    this.#checkedAt = -Infinity
  }

  async #check(now: number): Promise<Registry> {
    try {
      const stamp = await this.source.stamp()
      if (stamp !== this.#stamp) {
        const contents = await this.source.load()
        if (contents.stamp !== this.#stamp) {
          // A push this isolate just validated is taken as parsed. Parsed documents are not
          // kept past the compile: the index alone must fit an isolate's memory.
          const snapshots = contents.snapshots.map(
            (s) => this.#parsed.get(s.digest) ?? (JSON.parse(s.document) as Snapshot)
          )
          this.#parsed.clear()
          this.#registry = compileRegistry(snapshots, { defaultDomain: this.options.defaultDomain })
          this.#stamp = contents.stamp
          this.#serving = contents.snapshots.map(({ cluster, revision }) => ({ cluster, revision }))
          this.compiles++
        }
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
