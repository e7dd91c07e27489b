/**
 * Holds the compiled registry of one isolate or process: compiled once per revision and
 * swapped as one reference (Istio UpdateLookupTable), so a query never sees half of one
 * revision and half of another. The store is asked whether anything changed at most once
 * per freshness interval; the hot path otherwise touches no storage.
 */
import { CompileCache } from './compile-cache.ts'
import { compileRegistry } from './compile.ts'
import { Registry } from './registry.ts'
import type { ValidatedSnapshot } from './revalidate.ts'
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
  /**
   * Keep the parsed snapshots the registry was compiled from, each cluster's last validated
   * push and the records compiled from it: a push is then revalidated against the last one
   * (revalidate.ts) and only its changed elements are compiled (compile-cache.ts). Costs
   * memory of the order of the snapshots; the Node server turns it on, Workers isolates do not.
   */
  keepParsed?: boolean
}

interface Input {
  cluster: string
  digest: string
  snapshot: Snapshot
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
  /** keepParsed: the current registry's inputs, by cluster. */
  #compiledFrom = new Map<string, Input>()
  /** keepParsed: each cluster's last push validated here, the evidence for the next one. */
  #validated = new Map<string, ValidatedSnapshot>()
  /** keepParsed: records of unchanged elements, carried from one compile to the next. */
  readonly #cache: CompileCache | undefined
  /** How many times a registry was compiled: once per revision, never per query. */
  compiles = 0

  constructor(
    private readonly source: SnapshotSource,
    private readonly options: HolderOptions
  ) {
    this.#registry = compileRegistry([], { defaultDomain: options.defaultDomain })
    this.#cache = options.keepParsed ? new CompileCache() : undefined
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
  remember(digest: string, snapshot: Snapshot, validated?: ValidatedSnapshot): void {
    this.#parsed.set(digest, snapshot)
    if (this.options.keepParsed && validated) this.#validated.set(snapshot.cluster, validated)
  }

  /** keepParsed: the cluster's last push validated here, to revalidate the next one against. */
  validatedOf(cluster: string): ValidatedSnapshot | undefined {
    return this.#validated.get(cluster)
  }

  /** Makes the next `current()` ask the store: after a push or delete in this isolate. */
  invalidate(): void {
    this.#checkedAt = -Infinity
  }

  #kept(cluster: string, digest: string): Snapshot | undefined {
    const input = this.#compiledFrom.get(cluster)
    return input?.digest === digest ? input.snapshot : undefined
  }

  async #check(now: number): Promise<Registry> {
    try {
      const stamp = await this.source.stamp()
      if (stamp !== this.#stamp) {
        const contents = await this.source.load()
        if (contents.stamp !== this.#stamp) {
          // A push this isolate just validated is taken as parsed. Parsed documents are not
          // kept past the compile (unless keepParsed): the index alone must fit an isolate's memory.
          const inputs: Input[] = contents.snapshots.map((s) => ({
            cluster: s.cluster,
            digest: s.digest,
            snapshot:
              this.#parsed.get(s.digest) ?? this.#kept(s.cluster, s.digest) ?? (JSON.parse(s.document) as Snapshot),
          }))
          this.#registry = compileRegistry(
            inputs.map((i) => i.snapshot),
            { defaultDomain: this.options.defaultDomain, cache: this.#cache }
          )
          this.#parsed.clear()
          this.#stamp = contents.stamp
          this.#serving = contents.snapshots.map(({ cluster, revision }) => ({ cluster, revision }))
          this.compiles++
          if (this.options.keepParsed) {
            this.#compiledFrom = new Map(inputs.map((i) => [i.cluster, i]))
            for (const cluster of this.#validated.keys()) {
              if (!this.#compiledFrom.has(cluster)) this.#validated.delete(cluster)
            }
          }
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
