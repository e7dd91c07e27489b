/**
 * The two ways the job runs, wired from settings: `runOnce` (--once: one snapshot, then exit)
 * and `startDaemon` (watch and push until stopped). main.ts only adds flags, logs and signals.
 */
import type { KubeConfig } from '@kubernetes/client-node'
import type { Logger } from 'pino'
import { sleep } from './backoff.ts'
import { serveHealth, type HealthServer } from './health.ts'
import { SyncJob, type Sink } from './job.ts'
import type { SyncMetrics } from './metrics.ts'
import { PrintSink, type TextOut } from './print.ts'
import type { SyncSettings } from './settings.ts'
import { Target } from './target.ts'
import { ClusterWatch } from './watch.ts'

export interface RunDeps {
  kc: KubeConfig
  settings: SyncSettings
  metrics: SyncMetrics
  log: Logger
  stdout: TextOut
}

// Attempts per target with --once before the job gives up and exits non-zero.
const ONCE_ATTEMPTS = 5

function targets({ settings, metrics, log }: RunDeps): Target[] {
  return settings.targets.map(
    (base) =>
      new Target(
        {
          base,
          cluster: settings.build.cluster,
          token: settings.token,
          timeoutMs: settings.push.timeoutMs,
          retry: settings.push.retry,
        },
        metrics,
        log
      )
  )
}

function job(deps: RunDeps, source: ClusterWatch, sinks: Sink[]): SyncJob {
  const { settings, metrics, log } = deps
  return new SyncJob(
    source,
    sinks,
    { build: settings.build, debounce: settings.debounce, maxShrink: settings.maxShrink },
    metrics,
    log
  )
}

/** Waits for the initial sync, builds one snapshot, prints or pushes it; resolves to the exit status. */
export async function runOnce(deps: RunDeps): Promise<number> {
  const { settings, log } = deps
  const source = new ClusterWatch(deps.kc, { ...settings.watch, meshConfig: settings.meshConfig }, deps.metrics, log)
  const sinks = settings.dryRun ? [] : targets(deps)
  const once = job(deps, source, sinks)
  const timer = new AbortController()
  source.start(() => {})
  const synced = await Promise.race([
    source.ready.then(() => true),
    sleep(settings.onceTimeoutMs, timer.signal).then(() => false),
  ])
  timer.abort()
  try {
    if (!synced) {
      log.error({ timeoutMs: settings.onceTimeoutMs }, 'the initial sync did not finish in time')
      return 1
    }
    const built = once.build()
    if (settings.dryRun) return new PrintSink(deps.stdout, settings.build.cluster, log, true).print(built.offer) ? 0 : 1
    const outcomes = await Promise.all(sinks.map((t) => t.deliver(built.offer, ONCE_ATTEMPTS)))
    return outcomes.every((o) => o === 'accepted') ? 0 : 1
  } finally {
    await once.stop()
  }
}

export interface Daemon {
  job: SyncJob
  health: HealthServer | undefined
  stop(): Promise<void>
}

/** Starts watching and pushing, and the health server when --listen is on. */
export async function startDaemon(deps: RunDeps): Promise<Daemon> {
  const { settings, log } = deps
  const source = new ClusterWatch(deps.kc, { ...settings.watch, meshConfig: settings.meshConfig }, deps.metrics, log)
  const sinks: Sink[] = settings.dryRun
    ? [new PrintSink(deps.stdout, settings.build.cluster, log, false)]
    : targets(deps)
  const daemon = job(deps, source, sinks)
  const health = settings.listen
    ? await serveHealth({
        ...settings.listen,
        ready: () => source.isReady(),
        detail: () => source.unavailable(),
        registry: deps.metrics.registry,
      })
    : undefined
  daemon.start()
  log.info({ targets: settings.targets, dryRun: settings.dryRun, health: health?.port }, 'sync job started')
  return {
    job: daemon,
    health,
    stop: async () => {
      await daemon.stop()
      await health?.close()
    },
  }
}
