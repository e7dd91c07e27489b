/**
 * The real Node server, started in-process on 127.0.0.1 port 0 for the interop tests, with
 * the test views, a data directory, and (for TLS) a throw-away CA; snapshots pushed over HTTP.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pino } from 'pino'
import { startNodeServer, type NodeServer } from '../../../src/runtime/node-server.ts'
import { parseSettings, type Settings } from '../../../src/runtime/settings.ts'
import bookinfo from '../../fixtures/bookinfo.snapshot.json'
import views from '../../fixtures/views.json'
import { send, type Reply } from './http.ts'
import { makePki, type Pki } from './pki.ts'
import { tempDir } from './temp.ts'

export const TOKEN = 'interop-push-token'

/** A cluster whose service lives on loopback, so a client that resolves it can connect. */
export const LOOPBACK = {
  apiVersion: 'meshdoh/v1',
  kind: 'RegistrySnapshot',
  cluster: 'loop',
  revision: 1,
  generatedAt: '2026-11-24T19:00:00Z',
  services: [
    {
      name: 'web',
      namespace: 'interop',
      clusterIPs: ['127.0.0.7', '::1'],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    },
  ],
}

export interface TestMeshdoh {
  server: NodeServer
  url: string
  port: number
  dataDir: string
  pki?: Pki
  /** PUT /v1/snapshots/{cluster} with the push token. */
  push(doc: { cluster: string }): Promise<Reply>
}

export const testSettings = () =>
  parseSettings({
    MESHDOH_PUSH_TOKENS: TOKEN,
    MESHDOH_VIEWS: JSON.stringify(views),
    MESHDOH_FRESHNESS_SECONDS: '0.001',
  })

export async function startMeshdoh(
  options: {
    tls?: boolean
    pki?: Pki
    dataDir?: string
    drainMs?: number
    settings?: Settings
    keepLastPush?: boolean
  } = {}
): Promise<TestMeshdoh> {
  const dir = tempDir()
  const pki = options.pki ?? (options.tls ? await makePki(dir) : undefined)
  const dataDir = options.dataDir ?? join(dir, 'data')
  const server = await startNodeServer({
    settings: options.settings ?? testSettings(),
    dataDir,
    listen: { host: '127.0.0.1', port: 0 },
    tls: pki ? { certFile: pki.cert, keyFile: pki.key } : undefined,
    drainMs: options.drainMs,
    keepLastPush: options.keepLastPush,
    // Internal errors (a SERVFAIL's cause) go to stderr, where vitest shows them.
    logger: pino({ level: 'error' }, pino.destination(2)),
  })
  const ca = pki ? readFileSync(pki.ca) : undefined
  const push = (doc: { cluster: string }) =>
    send(`${server.url}/v1/snapshots/${doc.cluster}`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(doc),
      ca,
    })
  return { server, url: server.url, port: Number(new URL(server.url).port), dataDir, pki, push }
}

/** Starts a server and pushes bookinfo and the loopback cluster; fails loudly if a push is refused. */
export async function startWithSnapshots(options: { tls?: boolean; settings?: Settings } = {}): Promise<TestMeshdoh> {
  const meshdoh = await startMeshdoh(options)
  for (const doc of [bookinfo as { cluster: string }, LOOPBACK]) {
    const reply = await meshdoh.push(doc)
    if (reply.status !== 200) throw new Error(`push ${doc.cluster}: ${reply.status} ${reply.body}`)
  }
  return meshdoh
}
