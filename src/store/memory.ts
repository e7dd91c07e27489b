/** A store in memory: for tests, and the reference the other stores are held to. */
import {
  HeldSnapshots,
  decidePut,
  summarize,
  type PutOutcome,
  type SnapshotStore,
  type StoredSnapshot,
} from './store.ts'

export class MemoryStore extends HeldSnapshots implements SnapshotStore {
  async put(record: StoredSnapshot): Promise<PutOutcome> {
    const decision = decidePut(this.held.get(record.cluster), record)
    if (decision !== 'store') return decision
    this.held.set(record.cluster, record)
    return { status: 'stored', summary: summarize(record) }
  }

  async delete(cluster: string): Promise<boolean> {
    return this.held.delete(cluster)
  }
}
