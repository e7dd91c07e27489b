/**
 * The port every snapshot store implements (memory, Durable Object, file). One contract
 * suite (test/store/contract.ts) runs against each of them.
 */

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
  /** The validated snapshot with defaults applied, as JSON text. */
  document: string
}

export type PutOutcome =
  | { status: 'stored'; summary: SnapshotSummary }
  | { status: 'identical'; summary: SnapshotSummary }
  | { status: 'stale'; current: number }

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
  put(record: StoredSnapshot): Promise<PutOutcome>
  /** Removes a cluster's snapshot; false when there was none. */
  delete(cluster: string): Promise<boolean>
}

export function summarize(record: StoredSnapshot): SnapshotSummary {
  const { cluster, revision, generatedAt, receivedAt, names } = record
  return { cluster, revision, generatedAt, receivedAt, names }
}

/**
 * The decision every store makes under its own lock: store, identical retry, or stale.
 * Kept here so that every store decides the same way.
 */
export function decidePut(held: StoredSnapshot | undefined, incoming: StoredSnapshot): PutOutcome | 'store' {
  if (held === undefined || incoming.revision > held.revision) return 'store'
  if (incoming.revision === held.revision && incoming.digest === held.digest) {
    return { status: 'identical', summary: summarize(held) }
  }
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
  protected readonly held = new Map<string, StoredSnapshot>()

  async stamp(): Promise<string> {
    return stampOf(this.held.values())
  }

  async load(): Promise<StoreContents> {
    const snapshots = [...this.held.values()]
    return { stamp: stampOf(snapshots), snapshots }
  }

  async list(): Promise<SnapshotSummary[]> {
    return [...this.held.values()].map(summarize)
  }
}
