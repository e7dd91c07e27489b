/**
 * The port every snapshot store implements (memory, Durable Object, file). One contract
 * suite (test/store/contract.ts) runs against each of them.
 */
import { IndexBuilder, type BuiltIndex, type IndexBuilderOptions } from '../registry/index-builder.ts'

export type { BuiltIndex }

/** What `GET /v1/snapshots` shows of a held snapshot. */
export interface SnapshotSummary {
  cluster: string
  revision: number
  generatedAt: string
  receivedAt: string
  names: number
}

/** A snapshot as stored: its summary, the digest of the pushed bytes, and the normalised document. */
export interface StoredSnapshot extends SnapshotSummary {
  /** SHA-256 of the pushed (uncompressed) body, hex: tells an identical retry from a conflict. */
  digest: string
  /** The canonical digest of the snapshot (canonical.ts), `sha256:<hex>`: the base of the next delta. */
  canonical?: string
  /** The validated snapshot with defaults applied, as JSON text. */
  document: string
}

export type PutOutcome =
  | { status: 'stored'; summary: SnapshotSummary }
  | { status: 'identical'; summary: SnapshotSummary }
  | { status: 'stale'; current: number }

export interface PutOptions {
  /** A delta's: store only if the held revision is this one (else stale), so no push is lost. */
  base?: number
}

/** Everything held, read in one consistent step. */
export interface StoreContents {
  stamp: string
  snapshots: StoredSnapshot[]
}

export interface SnapshotStore {
  /** Changes whenever the held snapshots change; cheap enough to call every few seconds. */
  stamp(): Promise<string>
  load(): Promise<StoreContents>
  list(): Promise<SnapshotSummary[]>
  /**
   * Stores `record` only if its revision is newer than the held one, atomically; resolves
   * once the write is durable. The same revision with the same digest is an identical retry.
   */
  put(record: StoredSnapshot, options?: PutOptions): Promise<PutOutcome>
  /** The held snapshot of a cluster, its document included unless not asked for: the base of a delta. */
  held(cluster: string, withDocument?: boolean): Promise<StoredSnapshot | undefined>
  /** Removes a cluster's snapshot; false when there was none. */
  delete(cluster: string): Promise<boolean>
  /**
   * The packed index of everything held (docs/packed-index.md), built once per change: what
   * readers answer from. Its `stamp` may be newer than a `stamp()` read just before, never older.
   */
  index(): Promise<BuiltIndex>
  /** What readers poll to learn the index changed, if cheaper than `stamp()` (a shared cache). */
  indexStamp?(): Promise<string>
  /** Told of an index that did not load, so that a cached copy of it is not handed over again. */
  discard?(digest: string): Promise<void>
  /** Where this process builds the index: pushes validated here are handed to it parsed. */
  readonly builder?: Pick<IndexBuilder, 'remember' | 'validatedOf' | 'parsed'>
}

export function summarize(record: StoredSnapshot): SnapshotSummary {
  const { cluster, revision, generatedAt, receivedAt, names } = record
  return { cluster, revision, generatedAt, receivedAt, names }
}

/**
 * The decision every store makes under its own lock: store, identical retry, or stale.
 * Kept here so that every store decides the same way.
 */
export function decidePut(
  held: StoredSnapshot | undefined,
  incoming: StoredSnapshot,
  options: PutOptions = {}
): PutOutcome | 'store' {
  if (held !== undefined && incoming.revision === held.revision && incoming.digest === held.digest) {
    return { status: 'identical', summary: summarize(held) }
  }
  if (options.base !== undefined && held?.revision !== options.base)
    return { status: 'stale', current: held?.revision ?? 0 }
  if (held === undefined || incoming.revision > held.revision) return 'store'
  return { status: 'stale', current: held.revision }
}

/**
 * The stamp of a set of snapshots: cluster@revision:digest, sorted. The digest matters: a
 * cluster deleted and pushed again may reuse a revision number.
 */
export function stampOf(snapshots: Iterable<{ cluster: string; revision: number; digest: string }>): string {
  return [...snapshots]
    .map((s) => `${s.cluster}@${s.revision}:${s.digest.slice(0, 16)}`)
    .sort()
    .join(',')
}

/**
 * What a store holds in memory, and the reads every such store answers alike (memory, file,
 * and a worker's copy of the primary's): the subclass decides how puts and deletes happen.
 */
export abstract class HeldSnapshots {
  protected readonly kept = new Map<string, StoredSnapshot>()
  readonly builder: IndexBuilder | undefined
  readonly #builder: IndexBuilder
  #index: BuiltIndex | undefined
  #building: Promise<BuiltIndex> | undefined

  constructor(options: IndexBuilderOptions) {
    this.#builder = new IndexBuilder(options)
    this.builder = this.#builder
  }

  /** The held document of a cluster; a store that keeps documents on disk reads it there. */
  protected document(record: StoredSnapshot): string | Promise<string> {
    return record.document
  }

  /** The index of what is held now, built when the held snapshots changed since the last one. */
  async index(): Promise<BuiltIndex> {
    for (;;) {
      const stamp = stampOf(this.kept.values())
      if (this.#index?.stamp === stamp) return this.#index
      if (this.#building === undefined) {
        const held = [...this.kept.values()].map((record) => ({ ...record, document: () => this.document(record) }))
        this.#building = this.#builder
          .build(stamp, held)
          .then((built) => this.adoptIndex(built))
          .finally(() => (this.#building = undefined))
      }
      const built = await this.#building
      if (built.stamp === stampOf(this.kept.values())) return built
    }
  }

  /** Takes a built (or stored) index as the current one; a store that persists it writes it first. */
  protected async adoptIndex(built: BuiltIndex): Promise<BuiltIndex> {
    this.#index = built
    return built
  }

  async stamp(): Promise<string> {
    return stampOf(this.kept.values())
  }

  async load(): Promise<StoreContents> {
    const snapshots = [...this.kept.values()]
    return { stamp: stampOf(snapshots), snapshots }
  }

  async list(): Promise<SnapshotSummary[]> {
    return [...this.kept.values()].map(summarize)
  }

  async held(cluster: string, withDocument = true): Promise<StoredSnapshot | undefined> {
    const record = this.kept.get(cluster)
    return record && { ...record, document: withDocument ? await this.document(record) : '' }
  }

  /** The held records as they are in memory (a store that keeps documents on disk: without them). */
  records(): StoredSnapshot[] {
    return [...this.kept.values()]
  }
}
