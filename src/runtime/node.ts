/**
 * The Node entry (`npm run serve`, the `meshdoh` bin): configuration from the environment or
 * --config, JSON logs on stdout, SIGHUP reloads the certificate, SIGTERM/SIGINT drain and exit.
 * Everything else lives in node-server.ts, which tests start directly.
 */
import { pino, stdTimeFunctions } from 'pino'
import { DataDirLockedError, lockDataDir } from '../store/data-dir-lock.ts'
import { loadNodeConfig, USAGE } from './node-config.ts'
import type { Logger } from 'pino'
import type { NodeConfig } from './node-config.ts'
import { isWorkerProcess, runPrimary, startWorker } from './node-processes.ts'
import { startNodeServer } from './node-server.ts'
import { SettingsError } from './settings.ts'

async function main(): Promise<void> {
  let config
  try {
    config = loadNodeConfig(process.argv.slice(2), process.env)
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error
    process.stderr.write(`meshdoh: ${error.message}\n`)
    process.exit(2)
  }
  if (config === 'help') {
    process.stdout.write(`${USAGE}\n`)
    return
  }
  // The primary, or the only process, owns the data directory; workers go through its store.
  if (!isWorkerProcess()) {
    try {
      const lock = lockDataDir(config.dataDir)
      process.on('exit', () => lock.release())
    } catch (error) {
      if (!(error instanceof DataDirLockedError)) throw error
      process.stderr.write(`meshdoh: ${error.message}\n`)
      process.exit(1)
    }
  }
  const logger = pino({
    level: config.logLevel,
    base: { service: 'meshdoh' },
    formatters: { level: (label) => ({ level: label }) },
    timestamp: stdTimeFunctions.isoTime,
  })
  if (config.processes > 1 && !isWorkerProcess()) return primary(config, logger)
  const server = isWorkerProcess() ? await startWorker(config, logger) : await startNodeServer({ ...config, logger })

  // Installed even without TLS: SIGHUP's default action would end the process.
  process.on('SIGHUP', () => {
    if (config.tls === undefined) return void logger.info('SIGHUP: no TLS configured, nothing to reload')
    server
      .reloadTls()
      .catch((error: unknown) =>
        logger.error({ err: error }, 'certificate not reloaded; the previous one keeps serving')
      )
  })
  let stopping = false
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'stopping')
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed')
        process.exit(1)
      }
    )
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}

/** MESHDOH_PROCESSES > 1: this process forks the servers and relays signals to them. */
async function primary(config: NodeConfig, logger: Logger): Promise<void> {
  const workers = await runPrimary(config, logger)
  process.on('SIGHUP', () => workers.reload())
  let stopping = false
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'stopping workers')
    workers.stop('SIGTERM').then(() => process.exit(0))
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}

main().catch((error: unknown) => {
  process.stderr.write(`meshdoh: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
})
