/**
 * One FileStore shared by the processes of a multi-process Node server (node:cluster): the
 * primary owns the data directory and decides every put and delete in order, so revisions
 * are compared in one place; each worker keeps a copy of the summaries that the primary
 * updates, and every worker has applied a change before the primary answers the write: once
 * a push has its 200, every worker serves it. The primary builds the packed index once per
 * change; workers load the same file from the data directory. No document crosses processes.
 */
import type { Worker } from 'node:cluster'
import { readFile } from 'node:fs/promises'
import type { FileStore } from './file.ts'
import {
  HeldSnapshots,
  type BuiltIndex,
  type PutOptions,
  type PutOutcome,
  type SnapshotStore,
  type StoreContents,
  type StoredSnapshot,
} from './store.ts'

type Request =
  | { meshdohStore: 'put'; id: number; record: StoredSnapshot; options?: PutOptions }
  | { meshdohStore: 'held'; id: number; cluster: string; withDocument: boolean }
  | { meshdohStore: 'delete'; id: number; cluster: string }
  | { meshdohStore: 'load'; id: number }
  | { meshdohStore: 'index'; id: number }
  | { meshdohStore: 'applied'; id: number }
type Reply =
  PutOutcome | boolean | StoredSnapshot[] | StoredSnapshot | null | { stamp: string; digest: string; file: string }
type Message =
  | { meshdohStore: 'reply'; id: number; result: Reply; error?: string }
  | { meshdohStore: 'changed'; id: number; cluster: string; record?: StoredSnapshot }

/** A worker that does not confirm a change within this long is not waited for (it may be dying). */
const APPLY_TIMEOUT_MS = 2000

function isRequest(message: unknown): message is Request {
  const kind = (message as { meshdohStore?: string } | null)?.meshdohStore
  return (
    kind === 'put' || kind === 'delete' || kind === 'load' || kind === 'index' || kind === 'held' || kind === 'applied'
  )
}

/** A record as workers keep it: the document stays with the primary, on disk. */
function summaryOnly(record: StoredSnapshot): StoredSnapshot {
  return { ...record, document: '' }
}

/** The primary's side: one store, every worker's requests, and the confirmations of changes. */
export class StoreHost {
  readonly #waiting = new Map<number, () => void>()
  #nextChange = 0

  constructor(
    private readonly store: FileStore,
    private readonly workers: () => Worker[]
  ) {}

  /** Answers a worker's requests; a change is applied by every worker before the reply. */
  serve(worker: Worker): void {
    worker.on('message', (message: unknown) => {
      if (!isRequest(message)) return
      if (message.meshdohStore === 'applied') return void this.#waiting.get(message.id)?.()
      void this.#answer(worker, message)
    })
  }

  async #answer(worker: Worker, message: Exclude<Request, { meshdohStore: 'applied' }>): Promise<void> {
    try {
      let result: Reply
      if (message.meshdohStore === 'load') result = this.store.records().map(summaryOnly)
      else if (message.meshdohStore === 'held')
        result = (await this.store.held(message.cluster, message.withDocument)) ?? null
      else if (message.meshdohStore === 'index') {
        const { stamp, digest } = await this.store.index()
        result = { stamp, digest, file: this.store.indexFile(digest) }
      } else if (message.meshdohStore === 'put') {
        result = await this.store.put(message.record, message.options)
        if (result.status === 'stored') await this.#broadcast(message.record.cluster, summaryOnly(message.record))
      } else {
        result = await this.store.delete(message.cluster)
        if (result) await this.#broadcast(message.cluster)
      }
      worker.send({ meshdohStore: 'reply', id: message.id, result })
    } catch (error) {
      worker.send({ meshdohStore: 'reply', id: message.id, result: false, error: String(error) })
    }
  }

  async #broadcast(cluster: string, record?: StoredSnapshot): Promise<void> {
    const targets = this.workers().filter((w) => w.isConnected())
    const id = ++this.#nextChange
    let left = targets.length
    const applied = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, APPLY_TIMEOUT_MS)
      this.#waiting.set(id, () => {
        if (--left > 0) return
        clearTimeout(timer)
        resolve()
      })
      if (left === 0) resolve()
    })
    for (const worker of targets) worker.send({ meshdohStore: 'changed', id, cluster, record } satisfies Message)
    await applied
    this.#waiting.delete(id)
  }
}

/** In a worker: the store as the primary keeps it. */
export class WorkerStore extends HeldSnapshots implements SnapshotStore {
  override readonly builder = undefined
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>()
  readonly #listeners: Array<() => void> = []
  #next = 0

  /** Called whenever another process changed the store: the holder re-reads at once. */
  onChange(listener: () => void): void {
    this.#listeners.push(listener)
  }

  private constructor() {
    // The primary builds the index; this builder is never asked to.
    super({ defaultDomain: 'cluster.local' })
    process.on('message', (message: Message) => {
      if (message?.meshdohStore === 'changed') {
        if (message.record) this.kept.set(message.cluster, message.record)
        else this.kept.delete(message.cluster)
        for (const listener of this.#listeners) listener()
        process.send!({ meshdohStore: 'applied', id: message.id } satisfies Request)
      } else if (message?.meshdohStore === 'reply') {
        const waiter = this.#pending.get(message.id)
        this.#pending.delete(message.id)
        if (message.error !== undefined) waiter?.reject(new Error(message.error))
        else waiter?.resolve(message.result)
      }
    })
  }

  static async connect(): Promise<WorkerStore> {
    if (process.send === undefined) throw new Error('WorkerStore runs only in a cluster worker')
    const store = new WorkerStore()
    for (const record of (await store.#ask({ meshdohStore: 'load', id: 0 })) as StoredSnapshot[])
      store.kept.set(record.cluster, record)
    return store
  }

  #ask(request: Request): Promise<unknown> {
    const id = ++this.#next
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject })
      process.send!({ ...request, id })
    })
  }

  /** The primary's current index, read from the file it wrote (it keeps the one before too). */
  override async index(): Promise<BuiltIndex> {
    for (let attempt = 0; ; attempt++) {
      const where = (await this.#ask({ meshdohStore: 'index', id: 0 })) as {
        stamp: string
        digest: string
        file: string
      }
      try {
        return { stamp: where.stamp, digest: where.digest, bytes: new Uint8Array(await readFile(where.file)) }
      } catch (error) {
        // A newer index replaced it between the answer and the read: ask again.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 2) throw error
      }
    }
  }

  /** Documents stay with the primary. */
  override async load(): Promise<StoreContents> {
    throw new Error('a worker process does not read documents; the primary builds the index')
  }

  async put(record: StoredSnapshot, options?: PutOptions): Promise<PutOutcome> {
    return (await this.#ask({ meshdohStore: 'put', id: 0, record, options })) as PutOutcome
  }

  /** The primary reads the document from its data directory. */
  override async held(cluster: string, withDocument = true): Promise<StoredSnapshot | undefined> {
    const held = await this.#ask({ meshdohStore: 'held', id: 0, cluster, withDocument })
    return (held as StoredSnapshot | null) ?? undefined
  }

  async delete(cluster: string): Promise<boolean> {
    return (await this.#ask({ meshdohStore: 'delete', id: 0, cluster })) as boolean
  }
}
