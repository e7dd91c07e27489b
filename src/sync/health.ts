/**
 * /healthz (the process answers), /readyz (the initial sync is done) and /metrics (Prometheus
 * text format), on a small node:http server of their own so they answer even while the event
 * loop is busy building a snapshot for a resolver.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Registry } from 'prom-client'

export interface HealthOptions {
  host: string
  port: number
  ready: () => boolean
  /** Lines added to the /readyz body: sources the job goes on without. */
  detail?: () => string[]
  registry: Registry
}

export interface HealthServer {
  /** The port actually bound (useful with port 0). */
  port: number
  close(): Promise<void>
}

export async function serveHealth(options: HealthOptions): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405).end()
    if (path === '/healthz') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n')
    if (path === '/readyz') {
      const ready = options.ready()
      const head = ready ? 'ready' : 'waiting for the initial list of every resource'
      const body = [head, ...(options.detail?.() ?? []).map((line) => `unavailable: ${line}`)]
      return void res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' }).end(`${body.join('\n')}\n`)
    }
    if (path === '/metrics') {
      options.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': options.registry.contentType }).end(text),
        (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${err.message}\n`)
      )
      return
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n')
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => resolve())
  })
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
