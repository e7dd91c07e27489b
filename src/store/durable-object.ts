/**
 * Snapshots in one SQLite-backed Durable Object. A Durable Object runs one request at a time
 * and each method's writes happen inside one synchronous transaction, so two pushes for a
 * cluster are serialised and the newer revision always wins; the caller's promise resolves
 * only once the write is durable (output gates). Documents are split into chunks because a
 * SQLite row holds at most 2 MB.
 */
import { DurableObject } from 'cloudflare:workers'
import {
  decidePut,
  stampOf,
  summarize,
  type PutOutcome,
  type SnapshotStore,
  type SnapshotSummary,
  type StoreContents,
  type StoredSnapshot,
} from './store.ts'

// Characters per chunk: at most 3 bytes each in UTF-8, so a chunk stays well under 2 MB.
const CHUNK = 512 * 1024

type Row = Record<string, SqlStorageValue>

export class SnapshotStoreObject extends DurableObject {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    ctx.storage.sql.exec(`
      CREATE TABLE IF NOT EXISTS snapshots (
        cluster TEXT PRIMARY KEY, revision INTEGER NOT NULL, digest TEXT NOT NULL,
        generated_at TEXT NOT NULL, received_at TEXT NOT NULL, names INTEGER NOT NULL, chunks INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS chunks (
        cluster TEXT NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (cluster, seq));`)
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

  put(record: StoredSnapshot): PutOutcome {
    return this.ctx.storage.transactionSync(() => {
      const row = this.ctx.storage.sql.exec('SELECT * FROM snapshots WHERE cluster = ?', record.cluster).toArray()[0]
      const decision = decidePut(row ? this.#record(row, false) : undefined, record)
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
        `INSERT OR REPLACE INTO snapshots (cluster, revision, digest, generated_at, received_at, names, chunks)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
        record.cluster,
        record.revision,
        record.digest,
        record.generatedAt,
        record.receivedAt,
        record.names,
        chunks
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

/** The Worker's side: every isolate talks to the one object that holds the registry. */
export class DurableObjectStore implements SnapshotStore {
  readonly #id: DurableObjectId

  constructor(
    private readonly namespace: DurableObjectNamespace<SnapshotStoreObject>,
    name = 'registry'
  ) {
    this.#id = namespace.idFromName(name)
  }

  // A stub belongs to the request that made it (workerd forbids I/O across requests).
  get #object(): DurableObjectStub<SnapshotStoreObject> {
    return this.namespace.get(this.#id)
  }

  async stamp() {
    return this.#object.stamp()
  }

  async load(): Promise<StoreContents> {
    return this.#object.load()
  }

  async list() {
    return this.#object.list()
  }

  async put(record: StoredSnapshot): Promise<PutOutcome> {
    return this.#object.put(record)
  }

  async delete(cluster: string) {
    return this.#object.delete(cluster)
  }
}
