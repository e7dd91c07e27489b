/** A store in memory: for tests, and the reference the other stores are held to. */
import type { IndexBuilderOptions } from '../registry/index-builder.ts'
import {
  HeldSnapshots,
  decidePut,
  summarize,
  type PutOptions,
  type PutOutcome,
  type SnapshotStore,
  type StoredSnapshot,
} from './store.ts'

export class MemoryStore extends HeldSnapshots implements SnapshotStore {
  constructor(options: IndexBuilderOptions = { defaultDomain: 'cluster.local' }) {
    super(options)
  }

  async put(record: StoredSnapshot, options?: PutOptions): Promise<PutOutcome> {
    const decision = decidePut(this.kept.get(record.cluster), record, options)
    if (decision !== 'store') return decision
    this.kept.set(record.cluster, record)
    return { status: 'stored', summary: summarize(record) }
  }

  async delete(cluster: string): Promise<boolean> {
    return this.kept.delete(cluster)
  }
}
