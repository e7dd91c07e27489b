/**
 * Child process of the scale part: one cold start, as a fresh isolate or a restarted server
 * meets its first query. The packed index is read from disk first (the blob's I/O, timed on
 * its own); then timed: loading it in the RegistryHolder and the first DoH answer through the
 * whole app. Not timed: starting Node and importing the modules. Prints one JSON line: ColdStart.
 */
import { readFileSync } from 'node:fs'
import { createMeshdoh } from '../../src/http/app.ts'
import { parseSettings } from '../../src/runtime/settings.ts'
import type { SnapshotStore } from '../../src/store/store.ts'
import { dohPath, responseSummary } from '../query.ts'

export interface ColdStart {
  /** Reading the blob from disk. */
  readMs: number
  /** Loading the blob and answering the first query, CPU (user + system). */
  cpuMs: number
  wallMs: number
  /** Bytes fetched: the blob. */
  bytes: number
  /** Resident set growth from before reading the blob to after the first answer. */
  rssGrowth: number
  /** The peak resident set over the same span, less the resident set before it. */
  peakGrowth: number
  rcode: number
  answers: number
}

const [path, name] = process.argv.slice(2) as [string, string]
const rss0 = process.memoryUsage().rss
const read0 = performance.now()
const file = readFileSync(path)
const bytes = new Uint8Array(file.buffer, file.byteOffset, file.length)
const readMs = performance.now() - read0

/** A store that holds one index: what a restarted server or a fresh isolate is handed. */
const unused = () => Promise.reject(new Error('not used by the cold-start benchmark'))
const store: SnapshotStore = {
  stamp: async () => 'bench@1',
  index: async () => ({ stamp: 'bench@1', digest: 'bench', bytes }),
  load: unused,
  held: unused,
  list: unused,
  put: unused,
  delete: unused,
}

const request = new Request(`http://127.0.0.1${dohPath(name)}`)
const cpu0 = process.cpuUsage()
const wall0 = performance.now()
const { app } = createMeshdoh({ store, settings: parseSettings({}) })
const response = await app.fetch(request)
const answer = new Uint8Array(await response.arrayBuffer())
const wallMs = performance.now() - wall0
const cpu = process.cpuUsage(cpu0)
const result: ColdStart = {
  readMs,
  cpuMs: (cpu.user + cpu.system) / 1000,
  wallMs,
  bytes: bytes.length,
  rssGrowth: process.memoryUsage().rss - rss0,
  peakGrowth: process.resourceUsage().maxRSS * 1024 - rss0,
  ...responseSummary(answer),
}
process.stdout.write(JSON.stringify(result) + '\n')
