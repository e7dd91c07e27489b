/**
 * The self-hosted server: the same Hono app as the Worker, a FileStore in the data directory,
 * Prometheus metrics beside the app, served over node:http2 (node-transport.ts). Programmatic,
 * so tests start it on port 0; src/runtime/node.ts adds the environment and the signals.
 */
import { getRequestListener } from '@hono/node-server'
import { readFile } from 'node:fs/promises'
import { gunzipSync } from 'node:zlib'
import type { AddressInfo, Server } from 'node:net'
import { pino, type Logger } from 'pino'
import { getConnInfo } from '@hono/node-server/conninfo'
import { createMeshdoh } from '../http/app.ts'
import { clientAddress } from '../http/client-address.ts'
import { tokenBucketLimiter } from '../http/rate-limit.ts'
import type { AppEvents } from '../http/resolver.ts'
import { FileStore } from '../store/file.ts'
import type { SnapshotStore } from '../store/store.ts'
import type { ListenAddress, TlsFiles } from './node-config.ts'
import { DEFAULT_LIMITS, type ConnectionLimits } from './node-limits.ts'
import { Drain } from './node-drain.ts'
import { createMetrics, viewLabel, type NodeMetrics } from './node-metrics.ts'
import { cleartextServer, tlsServer, type TlsMaterial } from './node-transport.ts'
import type { Settings } from './settings.ts'

export interface NodeServerOptions {
  settings: Settings
  dataDir: string
  /** Default 127.0.0.1:8053; port 0 picks a free port (see `url`). */
  listen?: ListenAddress
  /** With them: TLS, ALPN h2 and http/1.1. Without: cleartext h2c and HTTP/1.1. */
  tls?: TlsFiles
  logger?: Logger
  /** How long close() waits for requests in flight; default 10 s. */
  drainMs?: number
  /** A store shared with other processes (node-processes.ts); default: a FileStore in dataDir. */
  store?: SnapshotStore & { onChange?(listener: () => void): void }
  /**
   * Keep each cluster's last push, parsed and as it came, with its compiled records: a push
   * then costs what it changed (README, "Self-hosted on Node"). Default true.
   */
  keepLastPush?: boolean
  /** Streams, connections and deadlines a client may hold (node-limits.ts); default DEFAULT_LIMITS. */
  limits?: ConnectionLimits
}

export interface NodeServer {
  /** `http(s)://host:port` as bound. */
  url: string
  store: SnapshotStore
  metrics: NodeMetrics
  /** Reads the certificate and key files again; new connections use them (SIGHUP). */
  reloadTls(): Promise<void>
  /** Stops accepting, lets requests in flight finish, closes every connection (SIGTERM). */
  close(): Promise<void>
}

async function readTls(files: TlsFiles): Promise<TlsMaterial> {
  const [cert, key] = await Promise.all([readFile(files.certFile), readFile(files.keyFile)])
  return { cert, key }
}

/** The app's events into metrics and logs; per-query lines only at debug level. */
function observed(metrics: NodeMetrics, logger: Logger): AppEvents {
  return {
    query(event) {
      metrics.events.query(event)
      if (logger.isLevelEnabled('debug')) {
        const { view, type, rcode, seconds } = event
        logger.debug({ view: viewLabel(view.id), type, rcode, ms: seconds * 1000 }, 'query')
      }
    },
    push(event) {
      metrics.events.push(event)
      logger[event.status === 200 ? 'info' : 'warn'](event, 'snapshot push')
    },
    error(error) {
      metrics.events.error(error)
      logger.error({ err: error }, 'internal error')
    },
  }
}

/** zlib's inflate with the push size limit applied to its output (body.ts `Inflate`). */
function gunzipWithin(gzipped: Uint8Array, limit: number): Uint8Array | 'too-large' | 'invalid' {
  try {
    return gunzipSync(gzipped, { maxOutputLength: limit })
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? 'too-large' : 'invalid'
  }
}

async function openFileStore(options: NodeServerOptions, logger: Logger): Promise<FileStore> {
  const store = await FileStore.open(options.dataDir, {
    defaultDomain: options.settings.defaultDomain,
    keepParsed: options.keepLastPush ?? true,
  })
  if (store.fault !== undefined) logger.warn({ dataDir: options.dataDir }, `${store.fault}; building it again`)
  return store
}

export async function startNodeServer(options: NodeServerOptions): Promise<NodeServer> {
  const logger = options.logger ?? pino({ level: 'silent' })
  const { host, port } = options.listen ?? { host: '127.0.0.1', port: 8053 }
  const store = options.store ?? (await openFileStore(options, logger))
  const metrics = createMetrics(store)
  const limit = options.settings.rateLimit
  const { app, holder, fastPath } = createMeshdoh({
    store,
    settings: options.settings,
    events: observed(metrics, logger),
    rateLimiter: limit && tokenBucketLimiter(limit.rate, limit.burst),
    clientAddress: (c) =>
      clientAddress(
        getConnInfo(c).remote.address,
        { forwarded: c.req.header('forwarded'), xForwardedFor: c.req.header('x-forwarded-for') },
        options.settings.trustedProxies
      ),
    inflate: gunzipWithin,
  })
  app.get('/metrics', () => metrics.respond())
  options.store?.onChange?.(() => holder.invalidate())
  // Load the index the data directory holds, so the first query after a restart is answered from it.
  await holder.current()
  logger.info({ dataDir: options.dataDir, snapshots: await store.list() }, 'snapshots loaded')

  const listener = getRequestListener(app.fetch, {
    errorHandler: (err) => void logger.error({ err }, 'request failed'),
  })
  const drain = new Drain()
  const tls = options.tls
  const limits = options.limits ?? DEFAULT_LIMITS
  const secure =
    tls !== undefined
      ? tlsServer(listener, drain, await readTls(tls), fastPath, limits, options.settings.trustedProxies)
      : undefined
  const server: Server = secure ?? cleartextServer(listener, drain, fastPath, limits, options.settings.trustedProxies)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const bound = server.address() as AddressInfo
  const url = `${secure ? 'https' : 'http'}://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`
  logger.info({ url, tls: secure !== undefined }, 'listening')

  let closing: Promise<void> | undefined
  return {
    url,
    store,
    metrics,
    async reloadTls() {
      if (secure === undefined || tls === undefined)
        throw new Error('TLS is not configured (MESHDOH_TLS_CERT, MESHDOH_TLS_KEY)')
      // setSecureContext throws on a bad or mismatched pair, and the old context keeps serving.
      secure.setSecureContext(await readTls(tls))
      logger.info({ cert: tls.certFile }, 'certificate reloaded')
    },
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()))
        const drainMs = options.drainMs ?? 10_000
        logger.info({ drainMs }, 'draining')
        await drain.drain(drainMs)
        await closed
        logger.info('stopped')
      })()
      return closing
    },
  }
}
