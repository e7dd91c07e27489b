/**
 * The sync job's command line: `npm run sync -- --help`. Flags and environment in flags.ts,
 * wiring in run.ts; this file adds the logger, the exit status and the signals.
 */
import { pino } from 'pino'
import { FlagError, helpText, readFlags } from './flags.ts'
import { loadKubeConfig } from './kubeconfig.ts'
import { syncLogger } from './log.ts'
import { SyncMetrics } from './metrics.ts'
import type { TextOut } from './print.ts'
import { runOnce, startDaemon } from './run.ts'
import { toSettings, type SyncSettings } from './settings.ts'

export interface Io {
  stdout: TextOut
  stderr: TextOut
}

/** Runs the job as the command line asks; resolves to the exit status. */
export async function main(argv: readonly string[], env: Record<string, string | undefined>, io: Io): Promise<number> {
  let settings: SyncSettings
  try {
    const raw = readFlags(argv, env)
    if (raw['help'] === true) {
      io.stdout.write(helpText())
      return 0
    }
    settings = toSettings(raw, env)
  } catch (err) {
    if (!(err instanceof FlagError)) throw err
    io.stderr.write(`${err.message}\nSee --help.\n`)
    return 2
  }
  // Logs go to stderr: stdout carries the snapshots of --dry-run.
  const log = syncLogger(settings.logLevel, settings.build.cluster, pino.destination(2))
  const deps = {
    kc: loadKubeConfig(settings),
    settings,
    metrics: new SyncMetrics().withProcessMetrics(),
    log,
    stdout: io.stdout,
  }
  if (settings.once) return runOnce(deps)
  const daemon = await startDaemon(deps)
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'))
    process.once('SIGINT', () => resolve('SIGINT'))
  })
  log.info({ signal }, 'stopping')
  await daemon.stop()
  return 0
}
