/**
 * The `meshdoh` bin as its own process, configured by --config file and environment: real
 * signals. SIGHUP swaps the certificate (and keeps the old one when the new pair is bad);
 * SIGTERM stops accepting, finishes the request in flight, and exits 0. Logs are JSON lines,
 * without a line per query.
 */
import type { ChildProcess } from 'node:child_process'
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs'
import https from 'node:https'
import { join } from 'node:path'
import tls from 'node:tls'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import views from '../fixtures/views.json'
import { base64url, decode, rcodeOf, wireQuery, zoneLines } from '../helpers/dns.ts'
import { bookinfoSnapshot } from '../helpers/fixtures.ts'
import { CASES } from './support/expected.ts'
import { send } from './support/http.ts'
import { issueCert, makePki, type Pki } from './support/pki.ts'
import { kill, killAll, start, waitForLine } from './support/process.ts'
import { removeTempDirs, tempDir } from './support/temp.ts'
import { binArgs } from './support/tsx.ts'

let pki: Pki
let child: ChildProcess
let url: string
let ca: Buffer
let logs = ''

/** The certificate serial the server presents to a new TLS connection. */
function servedSerial(): Promise<string> {
  const { port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = tls.connect(
      { host: '127.0.0.1', port: Number(port), servername: 'localhost', ca, ALPNProtocols: ['h2'] },
      () => {
        resolve(socket.getPeerCertificate().serialNumber)
        socket.end()
      }
    )
    socket.on('error', reject)
  })
}

beforeAll(async () => {
  const dir = tempDir()
  pki = await makePki(dir)
  ca = readFileSync(pki.ca)
  const config = join(dir, 'meshdoh.json')
  writeFileSync(
    config,
    JSON.stringify({
      MESHDOH_LISTEN: '127.0.0.1:0',
      MESHDOH_TLS_CERT: pki.cert,
      MESHDOH_TLS_KEY: pki.key,
      MESHDOH_DATA_DIR: join(dir, 'data'),
      MESHDOH_VIEWS: views,
      MESHDOH_ANONYMOUS: true,
      MESHDOH_PUSH_TOKENS: 'file-token',
    })
  )
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MESHDOH_')))
  const [node, args] = binArgs('--config', config)
  child = start(node, args, { ...env, MESHDOH_PUSH_TOKENS: 'env-token' })
  child.stdout!.on('data', (d: Buffer) => (logs += d))
  const listening = await waitForLine(child, /"url":"https:\/\/127\.0\.0\.1:(\d+)".*"msg":"listening"/, 20_000)
  url = `https://localhost:${listening[1]}`
}, 30_000)

afterAll(() => {
  if (child) kill(child)
  killAll()
  removeTempDirs()
})

const push = (token: string) =>
  send(`${url}/v1/snapshots/east-1`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(bookinfoSnapshot()),
    ca,
  })

describe('meshdoh bin', () => {
  it('configuration: the file is read, and the environment wins over it', async () => {
    expect((await push('file-token')).status).toBe(401)
    expect((await push('env-token')).status).toBe(200)
    const viewed = await send(`${url}/v/vm-bookinfo-search/resolve?name=reviews&type=A`, { ca })
    expect(JSON.parse(viewed.body.toString()).Answer).toEqual([
      { name: 'reviews.', type: 1, TTL: 30, data: '10.96.12.7' },
    ])
  })

  it('SIGHUP: new connections get the new certificate; a bad pair keeps the old one serving', async () => {
    expect(await servedSerial()).toBe('01')
    const next = await issueCert(pki.dir, 'next', 2)
    copyFileSync(next.cert, pki.cert)
    copyFileSync(next.key, pki.key)
    process.kill(child.pid!, 'SIGHUP')
    await waitForLine(child, /"msg":"certificate reloaded"/)
    expect(await servedSerial()).toBe('02')

    writeFileSync(pki.key, '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n')
    process.kill(child.pid!, 'SIGHUP')
    await waitForLine(child, /"msg":"certificate not reloaded/)
    expect(await servedSerial()).toBe('02')
  })

  it('logs: JSON lines, and no line per query at the default level', async () => {
    await send(`${url}/dns-query?dns=${base64url(wireQuery('reviews.bookinfo.svc.cluster.local', 'A'))}`, { ca })
    const lines = logs
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { msg: string; level: string })
    expect(lines.map((l) => l.msg)).toContain('snapshot push')
    expect(lines.some((l) => l.msg === 'query')).toBe(false)
    expect(logs).not.toContain('vm-bookinfo')
  })

  it('SIGTERM: stops accepting, answers the request in flight, then exits 0', async () => {
    const [A] = CASES
    const query = wireQuery(A!.name, A!.type)
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    // An HTTP/1.1 POST held in flight: `Expect: 100-continue` makes the server say when the
    // request has reached the app (Node answers 100 just before dispatching it); the body follows later.
    const { port } = new URL(url)
    const request = https.request({
      host: '127.0.0.1',
      port,
      servername: 'localhost',
      path: '/dns-query',
      method: 'POST',
      ca,
      agent: false,
      headers: { 'Content-Type': 'application/dns-message', 'Content-Length': query.length, Expect: '100-continue' },
    })
    const response = new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
      request.on('response', (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks) }))
      })
      request.on('error', reject)
    })
    request.flushHeaders()
    await new Promise((resolve) => request.once('continue', resolve))

    process.kill(child.pid!, 'SIGTERM')
    await waitForLine(child, /"msg":"draining"/)
    await new Promise((r) => setTimeout(r, 200))
    await expect(servedSerial()).rejects.toThrow(/ECONNREFUSED/)
    expect(child.exitCode).toBe(null)

    request.end(query)
    const answered = await response
    expect(answered.status).toBe(200)
    const message = decode(answered.body)
    expect({ rcode: rcodeOf(message), answer: zoneLines(message.answers) }).toEqual({
      rcode: A!.rcode,
      answer: A!.answer,
    })
    expect(await exited).toBe(0)
    expect(logs).toContain('"msg":"stopped"')
  })
})
