/** A store in memory: for tests, and the reference the other stores are held to. */
import type { IndexBuilderOptions } from '../registry/index-builder.ts'
import {
  HeldSnapshots,
  decidePut,
  summarize,
  type PutOutcome,
  type SnapshotStore,
  type StoredSnapshot,
} from './store.ts'

export class MemoryStore extends HeldSnapshots implements SnapshotStore {
  constructor(options: IndexBuilderOptions = { defaultDomain: 'cluster.local' }) {
    super(options)
  }

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
