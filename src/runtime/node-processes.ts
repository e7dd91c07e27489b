/**
 * Multi-process mode (MESHDOH_PROCESSES > 1): node:cluster shares the listening port among
 * workers, each a whole server; the primary serves no HTTP, it owns the data directory
 * (process-shared.ts), restarts a worker that dies, and passes SIGHUP and SIGTERM on.
 * Metrics and rate limits are per worker.
 */
import cluster, { type Worker } from 'node:cluster'
import type { Logger } from 'pino'
import { FileStore } from '../store/file.ts'
import { StoreHost, WorkerStore } from '../store/process-shared.ts'
import type { NodeConfig } from './node-config.ts'
import { startNodeServer, type NodeServer } from './node-server.ts'

export const isWorkerProcess = (): boolean => cluster.isWorker

/** In the primary: fork the workers; resolves when every one has exited after `stop`. */
export async function runPrimary(
  config: NodeConfig,
  logger: Logger
): Promise<{ stop(signal: NodeJS.Signals): Promise<void>; reload(): void }> {
  const workers = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined)
  const host = new StoreHost(await FileStore.open(config.dataDir), workers)
  let stopping = false
  const fork = () => {
    const worker = cluster.fork()
    host.serve(worker)
    return worker
  }
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return
    logger.error({ pid: worker.process.pid, code, signal }, 'worker died; starting another')
    fork()
  })
  const ready = Array.from(
    { length: config.processes },
    () => new Promise<void>((resolve) => fork().once('listening', () => resolve()))
  )
  await Promise.all(ready)
  logger.info({ processes: config.processes }, 'all workers listening')
  return {
    reload() {
      for (const worker of workers()) worker.process.kill('SIGHUP')
    },
    async stop(signal) {
      stopping = true
      const exited = workers().map((worker) => new Promise((resolve) => worker.once('exit', resolve)))
      for (const worker of workers()) worker.process.kill(signal)
      await Promise.all(exited)
    },
  }
}

/** In a worker: a whole server on the shared port, over the primary's store. */
export async function startWorker(config: NodeConfig, logger: Logger): Promise<NodeServer> {
  return startNodeServer({
    ...config,
    logger: logger.child({ worker: cluster.worker?.id }),
    store: await WorkerStore.connect(),
  })
}
