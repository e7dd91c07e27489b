/**
 * Part 4, the sync job: its first snapshot and resident memory at 10k Services (with their
 * EndpointSlices) and 1k ServiceEntries, and change → new answer through DoH, end to end over
 * real processes: the tests' fake API server, the sync job's CLI, meshdoh's Node server.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SYNC_NODE_FLAGS, buildSync } from '../../scripts/build-sync.ts'
import { PUSH_TOKEN, startMeshdohServer } from '../meshdoh.ts'
import type { Part, PartOutput } from '../part.ts'
import { freePort, start, stopAll, tsArgs, waitForLine, type Started } from '../proc.ts'
import { fmt, median, quantile } from '../stats.ts'
import { table } from '../table.ts'
import type { ApiReady, Applied } from './api-server.ts'
import { answeredAt, closeProbe } from './probe.ts'

const SERVICES = 10_000
const CHANGES = 20
const DEBOUNCE_MS = 100

interface LogLine {
  time: number
  msg: string
  [key: string]: unknown
}

function logLines(text: string): LogLine[] {
  const out: LogLine[] = []
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue
    try {
      out.push(JSON.parse(line) as LogLine)
    } catch {
      // a partial line
    }
  }
  return out
}

interface Memory {
  rss: number
  peak: number
  /** V8 heap in use, from the job's own /metrics (prom-client default metrics). */
  heapUsed: number
}

/** VmRSS and VmHWM (peak) of a process from /proc, and its heap from /metrics; MB. */
async function memoryOf(pid: number, metricsPort: number): Promise<Memory> {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN)
  const metrics = await (
    await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { signal: AbortSignal.timeout(10_000) })
  ).text()
  const heap = Number(/^nodejs_heap_size_used_bytes (\S+)$/m.exec(metrics)?.[1] ?? NaN)
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024, heapUsed: heap / 2 ** 20 }
}

async function waitForLog(logs: () => LogLine[], msg: string, after: number, timeoutMs: number): Promise<LogLine> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const found = logs().find((l) => l.msg === msg && l.time >= after)
    if (found) return found
    if (Date.now() > deadline) throw new Error(`no "${msg}" in the sync job's log within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

async function change(control: number, n: number): Promise<Applied> {
  const response = await fetch(`http://127.0.0.1:${control}/change?n=${n}`, {
    method: 'POST',
    signal: AbortSignal.timeout(10_000),
  })
  return (await response.json()) as Applied
}

export const syncPart: Part = {
  name: 'sync',
  title: '4. Sync job',
  seconds: 45,
  async run(): Promise<PartOutput> {
    const dir = mkdtempSync(join(tmpdir(), 'meshdoh-bench-sync-'))
    try {
      const kubeconfig = join(dir, 'kubeconfig.yaml')
      const api = start(process.execPath, tsArgs('./sync/api-server.ts', [], [String(SERVICES), kubeconfig]))
      const ready = JSON.parse(
        await waitForLine(api, (l) => l.startsWith('{"control"'), 120_000, 'the fake API server')
      ) as ApiReady
      const resolver = await startMeshdohServer(dir)
      let stderr = ''
      const bundle = await buildSync(join(dir, 'sync', 'main.mjs'))
      const metricsPort = await freePort()
      const spawnedAt = Date.now()
      const job: Started = start(
        process.execPath,
        [
          ...SYNC_NODE_FLAGS,
          bundle,
          '--cluster',
          'bench',
          '--target',
          `http://127.0.0.1:${resolver.port}`,
          '--kubeconfig',
          kubeconfig,
          '--listen',
          `127.0.0.1:${metricsPort}`,
          '--debounce',
          `${DEBOUNCE_MS}ms`,
          // debug adds "pushing": when the push (a PATCH after the first) leaves the job, before the resolver's own work
          '--log-level',
          'debug',
        ],
        {
          env: { ...process.env, MESHDOH_SYNC_TOKEN: PUSH_TOKEN },
          shownEnv: { MESHDOH_SYNC_TOKEN: PUSH_TOKEN },
          onStderr: (t) => (stderr += t),
        }
      )
      const logs = () => logLines(stderr)
      const started = await waitForLog(logs, 'sync job started', 0, 60_000)
      const synced = await waitForLog(logs, 'initial sync done', 0, 120_000)
      const accepted = await waitForLog(logs, 'snapshot accepted', 0, 120_000)
      await new Promise((r) => setTimeout(r, 2000))
      const memory = await memoryOf(job.pid, metricsPort)

      const during: Memory[] = []
      const latencies: number[] = []
      const pushed: number[] = []
      const sent: number[] = []
      for (let n = 0; n < CHANGES; n++) {
        const applied = await change(ready.control, n)
        const answered = await answeredAt(resolver.port, applied.name, applied.ip, 30_000)
        latencies.push(answered - applied.at)
        pushed.push((await waitForLog(logs, 'snapshot accepted', applied.at, 10_000)).time - applied.at)
        sent.push((await waitForLog(logs, 'pushing', applied.at, 10_000)).time - applied.at)
        await new Promise((r) => setTimeout(r, 300))
        during.push(await memoryOf(job.pid, metricsPort))
      }
      closeProbe()
      return report({ ready, spawnedAt, started, synced, accepted, memory, during, latencies, pushed, sent })
    } finally {
      await stopAll()
      rmSync(dir, { recursive: true, force: true })
    }
  },
}

interface Figures {
  ready: ApiReady
  spawnedAt: number
  started: LogLine
  synced: LogLine
  accepted: LogLine
  memory: Memory
  /** After each change. */
  during: Memory[]
  latencies: number[]
  pushed: number[]
  /** Change applied → the job logs "pushing": the push (a delta after the first snapshot) leaves for the resolver. */
  sent: number[]
}

function report(f: Figures): PartOutput {
  const first = f.accepted.time - f.started.time
  const change = median(f.latencies)
  const bound = DEBOUNCE_MS + 100
  const rss = Math.max(f.memory.rss, ...f.during.map((m) => m.rss))
  const peak = Math.max(f.memory.peak, ...f.during.map((m) => m.peak))
  const heaps = f.during.map((m) => m.heapUsed)
  const body = [
    'Three processes on 127.0.0.1, none pinned: the fake Kubernetes API server of the sync tests',
    '(`test/sync/k8s-api.ts`, real list/watch protocol) holding the synthetic cluster of',
    '`bench/sync/cluster.ts`; the sync job as deployed: the esbuild bundle of `src/sync/main.ts`',
    "(`npm run build:sync`) run by plain Node with the container's V8 flags (`SYNC_NODE_FLAGS` in",
    `\`scripts/build-sync.ts\`), the default page size and \`--debounce ${DEBOUNCE_MS}ms\`, the default; meshdoh's`,
    "Node server (`src/runtime/node.ts`, cleartext) as the target. Times come from the sync job's own",
    'log lines (pino `time`, ms) and the same clock in the runner. A change adds one Service and its',
    'EndpointSlice; the runner then asks meshdoh for the new name over DoH every 5 ms until the answer',
    'holds its address.',
    '',
    table(
      ['objects in the API server', 'count'],
      Object.entries(f.ready.counts).map(([k, v]) => [k, fmt(v)])
    ),
    '',
    table(
      ['first snapshot', 'ms'],
      [
        ['process spawn → "sync job started" (Node, loading the bundle)', fmt(f.started.time - f.spawnedAt)],
        ['"sync job started" → "initial sync done" (every initial list)', fmt(f.synced.time - f.started.time)],
        [
          '"initial sync done" → "snapshot accepted" (build, gzip, push, validation and storage in meshdoh)',
          fmt(f.accepted.time - f.synced.time),
        ],
        ['**job start → first snapshot accepted**', `**${fmt(first)}**`],
      ]
    ),
    '',
    table(
      [`${CHANGES} changes`, 'median ms', 'p95 ms', 'max ms'],
      [
        [
          'change applied → new answer through DoH',
          fmt(change),
          fmt(quantile(f.latencies, 0.95)),
          fmt(Math.max(...f.latencies)),
        ],
        [
          'change applied → push (PATCH) sent to the resolver ("pushing" logged by the job)',
          fmt(median(f.sent)),
          fmt(quantile(f.sent, 0.95)),
          fmt(Math.max(...f.sent)),
        ],
        [
          'change applied → "snapshot accepted" logged by the job',
          fmt(median(f.pushed)),
          fmt(quantile(f.pushed, 0.95)),
          fmt(Math.max(...f.pushed)),
        ],
      ]
    ),
    '',
    'Memory: RSS and peak RSS (VmHWM) from `/proc/<pid>/status`; the V8 heap in use (garbage not yet',
    "collected included) from the job's own `/metrics` (`nodejs_heap_size_used_bytes`).",
    '',
    table(
      ['sync job memory', 'MB'],
      [
        ['RSS 2 s after the first snapshot', fmt(f.memory.rss)],
        ['V8 heap in use then', fmt(f.memory.heapUsed)],
        [`RSS after each of the ${CHANGES} changes: highest`, fmt(Math.max(...f.during.map((m) => m.rss)))],
        [`V8 heap in use after each change: lowest`, fmt(Math.min(...heaps))],
        [`V8 heap in use after each change: highest`, fmt(Math.max(...heaps))],
        ['peak RSS (VmHWM)', fmt(peak)],
      ]
    ),
  ].join('\n')
  return {
    body,
    targets: [
      { target: 'first snapshot < 1 s (job start → accepted)', measured: `${fmt(first)} ms`, met: first < 1000 },
      {
        target: `change → answer within debounce + 100 ms (${bound} ms)`,
        measured: `${fmt(change)} ms (median of ${CHANGES}; p95 ${fmt(quantile(f.latencies, 0.95))}); the delta leaves the job after ${fmt(median(f.sent))} ms`,
        met: change <= bound,
      },
      {
        target: 'RSS < 200 MB at 10k Services + 1k ServiceEntries',
        measured: `${fmt(rss)} MB (peak ${fmt(peak)})`,
        met: rss < 200,
      },
    ],
  }
}
