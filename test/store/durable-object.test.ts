/** The store contract against the Durable Object store, inside workerd. */
import { env } from 'cloudflare:test'
import { DurableObjectStore, type SnapshotStoreObject } from '../../src/store/durable-object.ts'
import { runStoreContract } from './contract.ts'

let n = 0
// A fresh object per test: the contract expects an empty store each time.
runStoreContract(
  'durable object',
  () =>
    new DurableObjectStore(
      env.SNAPSHOTS as unknown as DurableObjectNamespace<SnapshotStoreObject>,
      `contract-${n++}-${Date.now()}`
    )
)
