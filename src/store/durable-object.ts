/**
 * Snapshots in one SQLite-backed Durable Object, and the packed index built from them. A
 * Durable Object runs one request at a time and each method's writes happen inside one
 * synchronous transaction, so two pushes for a cluster are serialised and the newer revision
 * always wins; the caller's promise resolves only once the write is durable (output gates).
 * Documents and indexes are split into chunks because a SQLite row holds at most 2 MB.
 *
 * The object builds the index once per change, the first time a reader asks for it, and
 * keeps it under its SHA-256. Isolates never read documents: they ask for the current
 * index's digest at most once per freshness interval per location, and fetch the index by
 * digest through the Cache API of their location (index-cache.ts), from here only on a miss.
 */
import { DurableObject } from 'cloudflare:workers'
import { normalizeName } from '../dns/names.ts'
import { IndexBuilder } from '../registry/index-builder.ts'
import { IndexCache, type IndexPointer } from './index-cache.ts'
import {
  decidePut,
  stampOf,
  summarize,
  type PutOptions,
  type PutOutcome,
  type SnapshotStore,
  type SnapshotSummary,
  type StoreContents,
  type StoredSnapshot,
} from './store.ts'

// Characters per chunk: at most 3 bytes each in UTF-8, so a chunk stays well under 2 MB.
const CHUNK = 512 * 1024
/** Bytes per chunk of an index. */
export const INDEX_CHUNK = 1024 * 1024

type Row = Record<string, SqlStorageValue>

export class SnapshotStoreObject extends DurableObject {
  readonly #builder: IndexBuilder
  #building: Promise<IndexPointer> | undefined

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    const domain = (env as { MESHDOH_DEFAULT_DOMAIN?: string }).MESHDOH_DEFAULT_DOMAIN?.trim()
    this.#builder = new IndexBuilder({ defaultDomain: normalizeName(domain || 'cluster.local') })
    ctx.storage.sql.exec(`
      CREATE TABLE IF NOT EXISTS snapshots (
        cluster TEXT PRIMARY KEY, revision INTEGER NOT NULL, digest TEXT NOT NULL,
        generated_at TEXT NOT NULL, received_at TEXT NOT NULL, names INTEGER NOT NULL, chunks INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS chunks (
        cluster TEXT NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (cluster, seq));
      CREATE TABLE IF NOT EXISTS index_current (
        one INTEGER PRIMARY KEY CHECK (one = 1), stamp TEXT NOT NULL, digest TEXT NOT NULL,
        bytes INTEGER NOT NULL, chunks INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS index_chunks (
        digest TEXT NOT NULL, seq INTEGER NOT NULL, body BLOB NOT NULL, PRIMARY KEY (digest, seq));`)
    // Added after the first release: objects created before it gain the column here.
    const columns = ctx.storage.sql.exec('PRAGMA table_info(snapshots)').toArray()
    if (!columns.some((c) => c.name === 'canonical'))
      ctx.storage.sql.exec('ALTER TABLE snapshots ADD COLUMN canonical TEXT')
  }

  /** The held snapshot of a cluster, document included. */
  held(cluster: string, withDocument = true): StoredSnapshot | null {
    const row = this.ctx.storage.sql.exec('SELECT * FROM snapshots WHERE cluster = ?', cluster).toArray()[0]
    return row === undefined ? null : this.#record(row, withDocument)
  }

  /** The current index: built here when the snapshots changed since the last one. */
  async pointer(): Promise<IndexPointer> {
    for (;;) {
      const stamp = this.stamp()
      const held = this.ctx.storage.sql.exec('SELECT * FROM index_current').toArray()[0]
      if (held !== undefined && String(held.stamp) === stamp) return pointerOf(held)
      this.#building ??= this.#build(stamp).finally(() => (this.#building = undefined))
      const built = await this.#building
      if (built.stamp === this.stamp()) return built
    }
  }

  async #build(stamp: string): Promise<IndexPointer> {
    const { snapshots } = this.load()
    const built = await this.#builder.build(
      stamp,
      snapshots.map((s) => ({ ...s, document: () => s.document }))
    )
    const chunks = Math.ceil(built.bytes.length / INDEX_CHUNK)
    this.ctx.storage.transactionSync(() => {
      const sql = this.ctx.storage.sql
      // The index before this one stays readable for isolates still fetching it.
      const previous = sql.exec('SELECT digest FROM index_current').toArray()[0]?.digest
      sql.exec('DELETE FROM index_chunks WHERE digest != ? AND digest != ?', built.digest, String(previous ?? ''))
      for (let seq = 0; seq < chunks; seq++) {
        const body = built.bytes.subarray(seq * INDEX_CHUNK, (seq + 1) * INDEX_CHUNK)
        sql.exec('INSERT OR REPLACE INTO index_chunks (digest, seq, body) VALUES (?, ?, ?)', built.digest, seq, body)
      }
      sql.exec(
        'INSERT OR REPLACE INTO index_current (one, stamp, digest, bytes, chunks) VALUES (1, ?, ?, ?, ?)',
        built.stamp,
        built.digest,
        built.bytes.length,
        chunks
      )
    })
    return { stamp: built.stamp, digest: built.digest, bytes: built.bytes.length, chunks }
  }

  /** One chunk of a stored index, or null when no index of that digest is kept. */
  indexChunk(digest: string, seq: number): Uint8Array | null {
    const row = this.ctx.storage.sql
      .exec('SELECT body FROM index_chunks WHERE digest = ? AND seq = ?', digest, seq)
      .toArray()[0]
    return row === undefined ? null : new Uint8Array(row.body as ArrayBuffer)
  }

  #rows(): Row[] {
    return this.ctx.storage.sql.exec('SELECT * FROM snapshots ORDER BY cluster').toArray()
  }

  #record(row: Row, withDocument: boolean): StoredSnapshot {
    const cluster = String(row.cluster)
    const document = withDocument
      ? this.ctx.storage.sql
          .exec('SELECT body FROM chunks WHERE cluster = ? ORDER BY seq', cluster)
          .toArray()
          .map((r) => String(r.body))
          .join('')
      : ''
    return {
      cluster,
      revision: Number(row.revision),
      digest: String(row.digest),
      generatedAt: String(row.generated_at),
      receivedAt: String(row.received_at),
      names: Number(row.names),
      ...(row.canonical ? { canonical: String(row.canonical) } : {}),
      document,
    }
  }

  stamp(): string {
    return stampOf(this.#rows().map((row) => this.#record(row, false)))
  }

  load(): StoreContents {
    return this.ctx.storage.transactionSync(() => {
      const snapshots = this.#rows().map((row) => this.#record(row, true))
      return { stamp: stampOf(snapshots), snapshots }
    })
  }

  list(): SnapshotSummary[] {
    return this.#rows().map((row) => summarize(this.#record(row, false)))
  }

  put(record: StoredSnapshot, options?: PutOptions): PutOutcome {
    return this.ctx.storage.transactionSync(() => {
      const row = this.ctx.storage.sql.exec('SELECT * FROM snapshots WHERE cluster = ?', record.cluster).toArray()[0]
      const decision = decidePut(row ? this.#record(row, false) : undefined, record, options)
      if (decision !== 'store') return decision
      const sql = this.ctx.storage.sql
      sql.exec('DELETE FROM chunks WHERE cluster = ?', record.cluster)
      let chunks = 0
      for (let at = 0; at < record.document.length || chunks === 0;) {
        let end = Math.min(at + CHUNK, record.document.length)
        // Never split a surrogate pair: each half alone is not valid UTF-8 text.
        const last = record.document.charCodeAt(end - 1)
        if (end < record.document.length && last >= 0xd800 && last <= 0xdbff) end -= 1
        sql.exec(
          'INSERT INTO chunks (cluster, seq, body) VALUES (?, ?, ?)',
          record.cluster,
          chunks++,
          record.document.slice(at, end)
        )
        at = end
      }
      sql.exec(
        `INSERT OR REPLACE INTO snapshots (cluster, revision, digest, generated_at, received_at, names, chunks, canonical)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        record.cluster,
        record.revision,
        record.digest,
        record.generatedAt,
        record.receivedAt,
        record.names,
        chunks,
        record.canonical ?? null
      )
      return { status: 'stored', summary: summarize(record) } as PutOutcome
    })
  }

  delete(cluster: string): boolean {
    return this.ctx.storage.transactionSync(() => {
      const found =
        this.ctx.storage.sql.exec('SELECT cluster FROM snapshots WHERE cluster = ?', cluster).toArray().length > 0
      this.ctx.storage.sql.exec('DELETE FROM snapshots WHERE cluster = ?', cluster)
      this.ctx.storage.sql.exec('DELETE FROM chunks WHERE cluster = ?', cluster)
      return found
    })
  }
}

function pointerOf(row: Row): IndexPointer {
  return { stamp: String(row.stamp), digest: String(row.digest), bytes: Number(row.bytes), chunks: Number(row.chunks) }
}

/** The Worker's side: every isolate talks to the one object that holds the registry. */
export class DurableObjectStore implements SnapshotStore {
  readonly #id: DurableObjectId
  readonly #cache: IndexCache

  constructor(
    private readonly namespace: DurableObjectNamespace<SnapshotStoreObject>,
    name = 'registry',
    options: { freshnessSeconds?: number; cache?: Cache } = {}
  ) {
    this.#id = namespace.idFromName(name)
    this.#cache = new IndexCache({
      scope: name,
      freshnessSeconds: options.freshnessSeconds ?? 5,
      cache: options.cache,
      pointer: () => this.#object.pointer(),
      chunk: (digest, seq) => this.#object.indexChunk(digest, seq),
    })
  }

  // A stub belongs to the request that made it (workerd forbids I/O across requests).
  get #object(): DurableObjectStub<SnapshotStoreObject> {
    return this.namespace.get(this.#id)
  }

  async stamp(): Promise<string> {
    return this.#object.stamp()
  }

  /** The current index's stamp, shared by the isolates of a location for one freshness interval. */
  async indexStamp(): Promise<string> {
    return (await this.#cache.pointer()).stamp
  }

  async index() {
    return this.#cache.index()
  }

  async discard(digest: string): Promise<void> {
    await this.#cache.discard(digest)
  }

  /** Where this isolate's indexes came from (bench/scale, cold starts). */
  get fetches() {
    return this.#cache.stats
  }

  async load(): Promise<StoreContents> {
    return this.#object.load()
  }

  async list() {
    return this.#object.list()
  }

  async held(cluster: string, withDocument = true): Promise<StoredSnapshot | undefined> {
    return (await this.#object.held(cluster, withDocument)) ?? undefined
  }

  async put(record: StoredSnapshot, options?: PutOptions): Promise<PutOutcome> {
    const outcome = await this.#object.put(record, options)
    // This isolate serves its own push at once, whatever the location's cache says.
    if (outcome.status === 'stored') this.#cache.skipShared()
    return outcome
  }

  async delete(cluster: string) {
    const deleted = await this.#object.delete(cluster)
    if (deleted) this.#cache.skipShared()
    return deleted
  }
}
