/**
 * Snapshots in a data directory, one file per cluster, and the packed index built from them,
 * for the self-hosted Node server. A write goes to a temp file in the same directory, is
 * fsynced, renamed over the old file and the directory is fsynced, so after a crash a file
 * holds either the old or the new content, never a torn one (the rename is atomic on POSIX
 * file systems).
 *
 * Only the snapshots' summaries live in memory; documents stay on disk until an index is
 * built. The index is kept as `index-<sha256>.bin`, named by its content, with `index.json`
 * saying which one is current and which snapshots it was built from: a restart loads it and
 * serves without reading any document. An index that does not match the snapshot files (a
 * crash between the two writes) or that does not load is set aside and built again.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import type { IndexBuilderOptions } from '../registry/index-builder.ts'
import { PackedIndexError } from '../registry/packed-format.ts'
import { PackedIndex } from '../registry/packed.ts'
import {
  HeldSnapshots,
  decidePut,
  stampOf,
  summarize,
  type BuiltIndex,
  type PutOptions,
  type PutOutcome,
  type SnapshotStore,
  type StoreContents,
  type StoredSnapshot,
} from './store.ts'

const SUFFIX = '.snapshot.json'
const TEMP = /^\..*\.tmp$/
const INDEX = /^index-([0-9a-f]{64})\.bin$/
const POINTER = 'index.json'
// docs/snapshot-format.md: a cluster is a DNS label; checked again here because it becomes a file name.
const CLUSTER = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/

export class FileStoreError extends Error {}

export class FileStore extends HeldSnapshots implements SnapshotStore {
  // One write at a time per process: a put decides against the state the previous put left,
  // so two concurrent pushes cannot both pass decidePut and let the older one land last.
  #queue: Promise<unknown> = Promise.resolve()
  /** What was wrong with the stored index at open, if anything: it is then built again. */
  fault: string | undefined

  private constructor(
    readonly dir: string,
    options: IndexBuilderOptions
  ) {
    super(options)
  }

  /**
   * Opens (creating) a data directory: removes temp files left by a crash, reads each
   * snapshot's summary line and the current index; documents are read when an index is built.
   */
  static async open(
    dir: string,
    options: IndexBuilderOptions = { defaultDomain: 'cluster.local' }
  ): Promise<FileStore> {
    await mkdir(dir, { recursive: true })
    const store = new FileStore(dir, options)
    for (const entry of await readdir(dir)) {
      if (TEMP.test(entry)) await rm(join(dir, entry), { force: true })
      else if (entry.endsWith(SUFFIX)) store.#adopt(entry, await readHeader(join(dir, entry)))
    }
    await store.#openIndex()
    return store
  }

  #adopt(file: string, record: StoredSnapshot | undefined): void {
    const cluster = file.slice(0, -SUFFIX.length)
    if (record === undefined) {
      // Cannot come from a crash (writes are atomic): the disk or an operator changed it.
      throw new FileStoreError(`${join(this.dir, file)} is not a stored snapshot; move it away to start without it`)
    }
    if (record.cluster !== cluster || !Number.isSafeInteger(record.revision)) {
      throw new FileStoreError(`${join(this.dir, file)} is not a stored snapshot of cluster "${cluster}"`)
    }
    this.kept.set(cluster, { ...record, document: '' })
  }

  async #openIndex(): Promise<void> {
    let pointer: { stamp: string; digest: string }
    try {
      pointer = JSON.parse(await readFile(join(this.dir, POINTER), 'utf8')) as typeof pointer
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        this.fault = `${POINTER} is not readable: ${String(error)}`
      return
    }
    if (pointer.stamp !== stampOf(this.kept.values())) {
      this.fault = `the stored index was built from other snapshots than ${this.dir} holds`
      return
    }
    try {
      const file = await readFile(join(this.dir, `index-${pointer.digest}.bin`))
      const bytes = new Uint8Array(file.buffer, file.byteOffset, file.length)
      // The index's own checks (length, checksum, version) are a fraction of a SHA-256's cost
      // and catch what a disk or an operator can do to the file; the digest only names it.
      let loaded: PackedIndex
      try {
        loaded = new PackedIndex(bytes)
      } catch (error) {
        if (!(error instanceof PackedIndexError)) throw error
        this.fault = `index-${pointer.digest}.bin does not load (${error.message})`
        return
      }
      await super.adoptIndex({ stamp: pointer.stamp, digest: pointer.digest, bytes, loaded })
    } catch (error) {
      this.fault = `index-${pointer.digest}.bin is not readable: ${String(error)}`
    }
  }

  protected override async document(record: StoredSnapshot): Promise<string> {
    const text = await readFile(this.#path(record.cluster), 'utf8')
    const stored = parseFile(text)
    if (stored === undefined || stored.digest !== record.digest)
      throw new FileStoreError(`${this.#path(record.cluster)} changed on disk`)
    return stored.document
  }

  override async load(): Promise<StoreContents> {
    const held = [...this.kept.values()]
    const snapshots = await Promise.all(
      held.map(async (record) => ({ ...record, document: await this.document(record) }))
    )
    return { stamp: stampOf(held), snapshots }
  }

  /** Writes the index under its digest, then points at it, then removes the ones before it. */
  protected override async adoptIndex(built: BuiltIndex): Promise<BuiltIndex> {
    return this.#serial(async () => {
      const file = `index-${built.digest}.bin`
      await this.#atomicWrite(join(this.dir, file), built.bytes)
      await this.#atomicWrite(
        join(this.dir, POINTER),
        JSON.stringify({ stamp: built.stamp, digest: built.digest, bytes: built.bytes.length })
      )
      for (const entry of await readdir(this.dir)) {
        if (INDEX.test(entry) && entry !== file) await rm(join(this.dir, entry), { force: true })
      }
      return super.adoptIndex(built)
    })
  }

  /** The file of the current index, for other processes that read it (process-shared.ts). */
  indexFile(digest: string): string {
    return join(this.dir, `index-${digest}.bin`)
  }

  put(record: StoredSnapshot, options?: PutOptions): Promise<PutOutcome> {
    return this.#serial(async () => {
      const decision = decidePut(this.kept.get(record.cluster), record, options)
      if (decision !== 'store') return decision
      await this.#atomicWrite(this.#path(record.cluster), fileText(record))
      this.kept.set(record.cluster, { ...record, document: '' })
      return { status: 'stored', summary: summarize(record) }
    })
  }

  delete(cluster: string): Promise<boolean> {
    return this.#serial(async () => {
      if (!this.kept.has(cluster)) return false
      await unlink(this.#path(cluster)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error
      })
      await this.#syncDir()
      this.kept.delete(cluster)
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

  async #atomicWrite(target: string, content: string | Uint8Array): Promise<void> {
    const temp = join(this.dir, `.${randomBytes(6).toString('hex')}.tmp`)
    try {
      const file = await open(temp, 'wx', 0o600)
      try {
        await file.writeFile(content)
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
  const bytes = Buffer.byteLength(document)
  return `${JSON.stringify({ ...header, length: document.length, bytes })}\n${document}`
}

/**
 * The summary of a snapshot file without reading its document: the header line, and the
 * file's size against the document's byte length it states. Files without that length
 * (written before it) and files of one JSON object are read whole.
 */
async function readHeader(path: string): Promise<StoredSnapshot | undefined> {
  const file = await open(path, 'r')
  let head: string
  try {
    const buffer = Buffer.alloc(16 * 1024)
    const { bytesRead } = await file.read(buffer, 0, buffer.length, 0)
    head = buffer.subarray(0, bytesRead).toString('utf8')
  } finally {
    await file.close()
  }
  const lineEnd = head.indexOf('\n')
  if (lineEnd > 0) {
    try {
      const header = JSON.parse(head.slice(0, lineEnd)) as Omit<StoredSnapshot, 'document'> & { bytes?: number }
      if (typeof header.bytes === 'number') {
        const size = (await stat(path)).size
        return size === Buffer.byteLength(head.slice(0, lineEnd)) + 1 + header.bytes
          ? { ...withoutLengths(header), document: '' }
          : undefined
      }
    } catch {
      return undefined
    }
  }
  return parseFile(await readFile(path, 'utf8'))
}

function withoutLengths<T extends { bytes?: number; length?: number }>(header: T): Omit<T, 'bytes' | 'length'> {
  const { bytes: _bytes, length: _length, ...rest } = header
  return rest
}

/** A file of either format: the one above, or one JSON object (files written before it). */
function parseFile(text: string): StoredSnapshot | undefined {
  try {
    // JSON text has no raw line break, so the first one ends the header line.
    const lineEnd = text.indexOf('\n')
    if (lineEnd < 0) return JSON.parse(text) as StoredSnapshot
    const header = JSON.parse(text.slice(0, lineEnd)) as Omit<StoredSnapshot, 'document'> & {
      length: number
      bytes?: number
    }
    const document = text.slice(lineEnd + 1)
    return document.length === header.length ? { ...withoutLengths(header), document } : undefined
  } catch {
    return undefined
  }
}
