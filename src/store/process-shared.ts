/**
 * One FileStore shared by the processes of a multi-process Node server (node:cluster): the
 * primary owns the data directory and decides every put and delete in order, so revisions
 * are compared in one place; each worker keeps a copy that the primary updates, and every
 * worker has applied a change before the primary answers the write: once a push has its
 * 200, every worker serves it.
 */
import type { Worker } from 'node:cluster'
import type { FileStore } from './file.ts'
import { HeldSnapshots, type PutOutcome, type SnapshotStore, type StoredSnapshot } from './store.ts'

type Request =
  | { meshdohStore: 'put'; id: number; record: StoredSnapshot }
  | { meshdohStore: 'delete'; id: number; cluster: string }
  | { meshdohStore: 'load'; id: number }
  | { meshdohStore: 'applied'; id: number }
type Message =
  | { meshdohStore: 'reply'; id: number; result: PutOutcome | boolean | StoredSnapshot[]; error?: string }
  | { meshdohStore: 'changed'; id: number; cluster: string; record?: StoredSnapshot }

/** A worker that does not confirm a change within this long is not waited for (it may be dying). */
const APPLY_TIMEOUT_MS = 2000

function isRequest(message: unknown): message is Request {
  const kind = (message as { meshdohStore?: string } | null)?.meshdohStore
  return kind === 'put' || kind === 'delete' || kind === 'load' || kind === 'applied'
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
      let result: Extract<Message, { meshdohStore: 'reply' }>['result']
      if (message.meshdohStore === 'load') result = (await this.store.load()).snapshots
      else if (message.meshdohStore === 'put') {
        result = await this.store.put(message.record)
        if (result.status === 'stored') await this.#broadcast(message.record.cluster, message.record)
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
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>()
  readonly #listeners: Array<() => void> = []
  #next = 0

  /** Called whenever another process changed the store: the holder re-reads at once. */
  onChange(listener: () => void): void {
    this.#listeners.push(listener)
  }

  private constructor() {
    super()
    process.on('message', (message: Message) => {
      if (message?.meshdohStore === 'changed') {
        if (message.record) this.held.set(message.cluster, message.record)
        else this.held.delete(message.cluster)
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
      store.held.set(record.cluster, record)
    return store
  }

  #ask(request: Request): Promise<unknown> {
    const id = ++this.#next
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject })
      process.send!({ ...request, id })
    })
  }

  async put(record: StoredSnapshot): Promise<PutOutcome> {
    return (await this.#ask({ meshdohStore: 'put', id: 0, record })) as PutOutcome
  }

  async delete(cluster: string): Promise<boolean> {
    return (await this.#ask({ meshdohStore: 'delete', id: 0, cluster })) as boolean
  }
}
