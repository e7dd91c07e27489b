/**
 * The sync job's command line: `npm run sync -- --help`. Flags and environment in flags.ts,
 * wiring in run.ts; this file adds the logger, the exit status and the signals.
 */
import type { KubeConfig } from '@kubernetes/client-node'
import { pino, type Logger } from 'pino'
import { FlagError, helpText, readFlags } from './flags.ts'
import { KubeConfigError, loadKubeConfig } from './kubeconfig.ts'
import { syncLogger } from './log.ts'
import { SyncMetrics } from './metrics.ts'
import type { TextOut } from './print.ts'
import { checkApiServer, serverAddress } from './reach.ts'
import { runOnce, startDaemon } from './run.ts'
import { toSettings, type SyncSettings } from './settings.ts'

type Env = Record<string, string | undefined>

export interface Io {
  stdout: TextOut
  stderr: TextOut
}

/**
 * The kubeconfig, once the API server it names has answered; otherwise undefined, after one
 * error line naming the cause (no kubeconfig, an unreadable one, a server that cannot be reached).
 */
async function connect(settings: SyncSettings, env: Env, log: Logger): Promise<KubeConfig | undefined> {
  let kc: KubeConfig
  try {
    kc = loadKubeConfig(settings, env)
  } catch (err) {
    if (!(err instanceof KubeConfigError)) throw err
    log.error(err.message)
    return undefined
  }
  const unreachable = await checkApiServer(kc)
  if (unreachable === undefined) return kc
  log.error({ server: serverAddress(kc) }, unreachable)
  return undefined
}

/** Runs the job as the command line asks; resolves to the exit status. */
export async function main(argv: readonly string[], env: Env, io: Io): Promise<number> {
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
  const kc = await connect(settings, env, log)
  if (kc === undefined) return 1
  const deps = {
    kc,
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
