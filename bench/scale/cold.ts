/**
 * Child process of the scale part: one cold start, as a fresh isolate meets its first query.
 * Timed: the storage read, the load (JSON.parse + compile, in the RegistryHolder) and the first
 * DoH answer through the whole app. Not timed: starting Node and importing the modules.
 * Prints one JSON line: ColdStart.
 */
import { readFileSync } from 'node:fs'
import { createMeshdoh } from '../../src/http/app.ts'
import { parseSettings } from '../../src/runtime/settings.ts'
import type { SnapshotStore, StoredSnapshot } from '../../src/store/store.ts'
import { dohPath, responseSummary } from '../query.ts'

export interface ColdStart {
  cpuMs: number
  wallMs: number
  rcode: number
  answers: number
}

/** A store whose one snapshot is a document on disk: load() is the storage read. */
function fileStore(path: string): SnapshotStore {
  const unused = () => Promise.reject(new Error('not used by the cold-start benchmark'))
  return {
    stamp: async () => 'bench@1',
    load: async () => {
      const document = readFileSync(path, 'utf8')
      const record: StoredSnapshot = {
        cluster: 'bench',
        revision: 1,
        generatedAt: '2026-11-24T19:00:00Z',
        receivedAt: '2026-11-24T19:00:00Z',
        names: 0,
        digest: '0'.repeat(64),
        document,
      }
      return { stamp: 'bench@1', snapshots: [record] }
    },
    list: unused,
    put: unused,
    delete: unused,
  }
}

const [path, name] = process.argv.slice(2) as [string, string]
const request = new Request(`http://127.0.0.1${dohPath(name)}`)
const cpu0 = process.cpuUsage()
const wall0 = performance.now()
const { app } = createMeshdoh({ store: fileStore(path), settings: parseSettings({}) })
const response = await app.fetch(request)
const bytes = new Uint8Array(await response.arrayBuffer())
const wallMs = performance.now() - wall0
const cpu = process.cpuUsage(cpu0)
const result: ColdStart = { cpuMs: (cpu.user + cpu.system) / 1000, wallMs, ...responseSummary(bytes) }
process.stdout.write(JSON.stringify(result) + '\n')
