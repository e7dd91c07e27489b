/** A store in memory: for tests, and the reference the other stores are held to. */
import { decidePut, stampOf, summarize, type PutOutcome, type SnapshotStore, type StoredSnapshot } from './store.ts'

export class MemoryStore implements SnapshotStore {
  readonly #held = new Map<string, StoredSnapshot>()

  async stamp(): Promise<string> {
    return stampOf(this.#held.values())
  }

  async load() {
    return { stamp: stampOf(this.#held.values()), snapshots: [...this.#held.values()] }
  }

  async list() {
    return [...this.#held.values()].map(summarize)
  }

  async put(record: StoredSnapshot): Promise<PutOutcome> {
    const decision = decidePut(this.#held.get(record.cluster), record)
    if (decision !== 'store') return decision
    this.#held.set(record.cluster, record)
    return { status: 'stored', summary: summarize(record) }
  }

  async delete(cluster: string): Promise<boolean> {
    return this.#held.delete(cluster)
  }
}
