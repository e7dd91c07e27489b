/**
 * Snapshots in a data directory, one file per cluster, for the self-hosted Node server.
 * A write goes to a temp file in the same directory, is fsynced, renamed over the old file
 * and the directory is fsynced, so after a crash the file holds either the old or the new
 * snapshot, never a torn one (the rename is atomic on POSIX file systems). Everything is
 * also held in memory: the process is the directory's only writer, so reads never touch disk.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, open, readdir, readFile, rename, rm, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import {
  HeldSnapshots,
  decidePut,
  summarize,
  type PutOutcome,
  type SnapshotStore,
  type StoredSnapshot,
} from './store.ts'

const SUFFIX = '.snapshot.json'
const TEMP = /^\..*\.tmp$/
// docs/snapshot-format.md: a cluster is a DNS label; checked again here because it becomes a file name.
const CLUSTER = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/

export class FileStoreError extends Error {}

export class FileStore extends HeldSnapshots implements SnapshotStore {
  // One write at a time per process: a put decides against the state the previous put left,
  // so two concurrent pushes cannot both pass decidePut and let the older one land last.
  #queue: Promise<unknown> = Promise.resolve()

  private constructor(readonly dir: string) {
    super()
  }

  /** Opens (creating) a data directory: removes temp files left by a crash, loads every snapshot. */
  static async open(dir: string): Promise<FileStore> {
    await mkdir(dir, { recursive: true })
    const store = new FileStore(dir)
    for (const entry of await readdir(dir)) {
      if (TEMP.test(entry)) await rm(join(dir, entry), { force: true })
      else if (entry.endsWith(SUFFIX)) store.#adopt(entry, await readFile(join(dir, entry), 'utf8'))
    }
    return store
  }

  #adopt(file: string, text: string): void {
    const record = parseFile(text)
    const cluster = file.slice(0, -SUFFIX.length)
    if (record === undefined) {
      // Cannot come from a crash (writes are atomic): the disk or an operator changed it.
      throw new FileStoreError(`${join(this.dir, file)} is not a stored snapshot; move it away to start without it`)
    }
    if (record.cluster !== cluster || !Number.isSafeInteger(record.revision) || typeof record.document !== 'string') {
      throw new FileStoreError(`${join(this.dir, file)} is not a stored snapshot of cluster "${cluster}"`)
    }
    this.held.set(cluster, record)
  }

  put(record: StoredSnapshot): Promise<PutOutcome> {
    return this.#serial(async () => {
      const decision = decidePut(this.held.get(record.cluster), record)
      if (decision !== 'store') return decision
      await this.#write(record)
      this.held.set(record.cluster, record)
      return { status: 'stored', summary: summarize(record) }
    })
  }

  delete(cluster: string): Promise<boolean> {
    return this.#serial(async () => {
      if (!this.held.has(cluster)) return false
      await unlink(this.#path(cluster)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error
      })
      await this.#syncDir()
      this.held.delete(cluster)
      return true
    })
  }

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task)
    this.#queue = run.catch(() => undefined)
    return run
  }

  #path(cluster: string): string {
    if (!CLUSTER.test(cluster)) throw new FileStoreError(`"${cluster}" is not a cluster name`)
    return join(this.dir, cluster + SUFFIX)
  }

  async #write(record: StoredSnapshot): Promise<void> {
    const target = this.#path(record.cluster)
    const temp = join(this.dir, `.${record.cluster}.${randomBytes(6).toString('hex')}.tmp`)
    try {
      const file = await open(temp, 'wx', 0o600)
      try {
        await file.writeFile(fileText(record))
        await file.sync()
      } finally {
        await file.close()
      }
      await rename(temp, target)
    } catch (error) {
      await rm(temp, { force: true })
      throw error
    }
    await this.#syncDir()
  }

  /** Makes the rename (or unlink) itself durable: it lives in the directory's entries. */
  async #syncDir(): Promise<void> {
    const dir = await open(this.dir, 'r')
    try {
      await dir.sync()
    } finally {
      await dir.close()
    }
  }
}

/**
 * A snapshot file: one line of JSON with the summary, the digest and the document's length,
 * then the document as it is. Written as one JSON object, the document would be escaped into a
 * string again on every push (a few milliseconds at 10k services) for nothing.
 */
function fileText({ document, ...header }: StoredSnapshot): string {
  return `${JSON.stringify({ ...header, length: document.length })}\n${document}`
}

/** A file of either format: the one above, or one JSON object (files written before it). */
function parseFile(text: string): StoredSnapshot | undefined {
  try {
    // JSON text has no raw line break, so the first one ends the header line.
    const lineEnd = text.indexOf('\n')
    if (lineEnd < 0) return JSON.parse(text) as StoredSnapshot
    const { length, ...header } = JSON.parse(text.slice(0, lineEnd)) as Omit<StoredSnapshot, 'document'> & {
      length: number
    }
    const document = text.slice(lineEnd + 1)
    return document.length === length ? { ...header, document } : undefined
  } catch {
    return undefined
  }
}
