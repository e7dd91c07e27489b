/**
 * Runs the real sync job (run.ts startDaemon, settings parsed from flags) against the fake API
 * server and fake resolvers, with timings small enough for tests; plus polling and log capture.
 */
import { pino, type Logger } from 'pino'
import type { Counter, Gauge } from 'prom-client'
import { readFlags } from '../../src/sync/flags.ts'
import { SyncMetrics } from '../../src/sync/metrics.ts'
import { startDaemon, type Daemon } from '../../src/sync/run.ts'
import { toSettings, type SyncSettings } from '../../src/sync/settings.ts'
import type { FakeKubeApi } from './k8s-api.ts'

export interface LogCapture {
  log: Logger
  records: Record<string, unknown>[]
  messages(): string[]
}

/** A pino logger whose JSON lines are kept in memory. */
export function captureLog(level = 'debug'): LogCapture {
  const records: Record<string, unknown>[] = []
  const log = pino(
    { level },
    { write: (line: string) => void records.push(JSON.parse(line) as Record<string, unknown>) }
  )
  return { log, records, messages: () => records.map((r) => String(r['msg'])) }
}

/** Polls `probe` until it returns something truthy; fails after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => T | Promise<T>,
  timeoutMs = 5000,
  what = 'condition'
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value) return value as NonNullable<T>
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

export interface HarnessOptions {
  /** Keep the job's default quiet period and burst bound instead of the tests' short ones. */
  defaultDebounce?: boolean
}

/** Flags with test timings: 20 ms quiet period, 20–200 ms backoff, pages of 2 objects. */
export function testFlags(targets: string[], extra: string[] = [], options: HarnessOptions = {}): string[] {
  return [
    '--cluster',
    'east-1',
    ...targets.flatMap((t) => ['--target', t]),
    ...(options.defaultDebounce ? [] : ['--debounce', '20ms', '--debounce-max', '200ms']),
    '--retry-base',
    '20ms',
    '--retry-max',
    '200ms',
    '--push-timeout',
    '1s',
    '--page-size',
    '2',
    '--listen',
    'off',
    ...extra,
  ]
}

export interface Running extends Daemon {
  settings: SyncSettings
  metrics: SyncMetrics
  logs: LogCapture
  stdout: string[]
}

export async function startSync(
  api: FakeKubeApi,
  targets: string[],
  extra: string[] = [],
  env: Record<string, string> = {},
  options: HarnessOptions = {}
): Promise<Running> {
  const fullEnv = { MESHDOH_SYNC_TOKEN: 'push-token', ...env }
  const settings = toSettings(readFlags(testFlags(targets, extra, options), fullEnv), fullEnv)
  const metrics = new SyncMetrics()
  const logs = captureLog()
  const stdout: string[] = []
  const daemon = await startDaemon({
    kc: api.kubeConfig(),
    settings,
    metrics,
    log: logs.log,
    stdout: { write: (t: string) => stdout.push(t) },
  })
  return { ...daemon, settings, metrics, logs, stdout }
}

/** The value of a counter or gauge for the given labels (0 when never set). */
export async function valueOf(metric: Counter | Gauge, labels: Record<string, string> = {}): Promise<number> {
  const { values } = await metric.get()
  const found = values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
  return found?.value ?? 0
}
