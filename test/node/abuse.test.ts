/**
 * Hostile clients against the Node server as its own process, so that a crash shows as an
 * exit rather than as an error inside the test runner: stream bursts on one connection that
 * ignore SETTINGS_MAX_CONCURRENT_STREAMS, a client that never opens its flow-control window,
 * tens of thousands of streams held open, and clients that trickle bytes. After each, a
 * fresh client must be answered. Bounded: short deadlines are configured, loopback only.
 */
import type { ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import http2 from 'node:http2'
import net from 'node:net'
import { join } from 'node:path'
import tls from 'node:tls'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { base64url, wireQuery } from '../helpers/dns.ts'
import { bookinfoSnapshot } from '../helpers/fixtures.ts'
import { send } from './support/http.ts'
import { makePki, type Pki } from './support/pki.ts'
import { kill, killAll, start, waitForLine } from './support/process.ts'
import { removeTempDirs, tempDir } from './support/temp.ts'
import { binArgs } from './support/tsx.ts'

const QUERY = `/dns-query?dns=${base64url(wireQuery('reviews.bookinfo.svc.cluster.local', 'A'))}`
/** The deadlines these tests configure: short, so that every wait here stays in seconds. */
const HANDSHAKE_S = 1
const IDLE_S = 1.5
const REQUEST_S = 2

interface Served {
  child: ChildProcess
  url: string
  ca?: Buffer
}

async function serve(pki?: Pki): Promise<Served> {
  const dir = tempDir()
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MESHDOH_')))
  const [node, args] = binArgs()
  const child = start(node, args, {
    ...env,
    MESHDOH_LISTEN: '127.0.0.1:0',
    MESHDOH_DATA_DIR: join(dir, 'data'),
    MESHDOH_PUSH_TOKENS: 'abuse-token',
    MESHDOH_HANDSHAKE_SECONDS: String(HANDSHAKE_S),
    MESHDOH_IDLE_SECONDS: String(IDLE_S),
    MESHDOH_REQUEST_SECONDS: String(REQUEST_S),
    ...(pki ? { MESHDOH_TLS_CERT: pki.cert, MESHDOH_TLS_KEY: pki.key } : {}),
  })
  const listening = await waitForLine(child, /"url":"(https?):\/\/127\.0\.0\.1:(\d+)".*"msg":"listening"/, 20_000)
  const url = `${listening[1]}://${pki ? 'localhost' : '127.0.0.1'}:${listening[2]}`
  const ca = pki ? readFileSync(pki.ca) : undefined
  const pushed = await send(`${url}/v1/snapshots/east-1`, {
    method: 'PUT',
    headers: { Authorization: 'Bearer abuse-token', 'Content-Type': 'application/json' },
    body: JSON.stringify(bookinfoSnapshot()),
    ca,
  })
  expect(pushed.status).toBe(200)
  return { child, url, ca }
}

function connect(served: Served, options: http2.SecureClientSessionOptions = {}): Promise<http2.ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(served.url, { ca: served.ca, ...options })
    session.once('connect', () => resolve(session))
    session.once('error', reject)
  })
}

/** Opens `n` GET streams at once and waits until every one has closed, however it ended. */
async function burst(
  session: http2.ClientHttp2Session,
  n: number
): Promise<{ answered: number; failed: number; reset: number }> {
  session.on('error', () => undefined)
  let answered = 0
  let failed = 0
  let reset = 0
  await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<void>((resolve) => {
          const stream = session.request({ ':path': QUERY })
          stream.on('response', (headers) => {
            if (headers[':status'] === 200) answered++
          })
          stream.on('error', () => failed++)
          stream.on('close', () => {
            if (stream.rstCode !== http2.constants.NGHTTP2_NO_ERROR) reset++
            resolve()
          })
          stream.resume()
          stream.end()
        })
    )
  )
  session.destroy()
  return { answered, failed, reset }
}

/** A fresh client is answered 200 over h2: the server survived. */
async function stillServes(served: Served): Promise<void> {
  expect(served.child.exitCode).toBeNull()
  const session = await connect(served)
  const status = await new Promise<number>((resolve, reject) => {
    const stream = session.request({ ':path': QUERY })
    stream.on('response', (headers) => resolve(Number(headers[':status'])))
    stream.on('error', reject)
    stream.resume()
    stream.end()
  })
  session.close()
  expect(status).toBe(200)
}

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024
}

function closedWithin(socket: net.Socket | tls.TLSSocket): Promise<number> {
  const startedAt = Date.now()
  return new Promise((resolve) => socket.once('close', () => resolve(Date.now() - startedAt)))
}

/** Writes `text` one byte every `everyMs`, then (for h2) keeps sending PINGs' worth of zeros. */
function trickle(socket: net.Socket, text: string, everyMs = 100): void {
  let i = 0
  const timer = setInterval(() => {
    if (socket.destroyed) return clearInterval(timer)
    socket.write(i < text.length ? text[i++]! : '\0')
  }, everyMs)
  socket.on('close', () => clearInterval(timer))
  socket.on('error', () => undefined)
}

let pki: Pki
const servers: Served[] = []
beforeAll(async () => {
  pki = await makePki(tempDir())
  servers.push(await serve(), await serve(pki))
}, 40_000)

afterAll(() => {
  for (const s of servers) kill(s.child)
  killAll()
  removeTempDirs()
})

describe.each([
  ['h2c', 0],
  ['TLS', 1],
])('stream abuse over %s', (_name, index) => {
  it('advertises SETTINGS_MAX_CONCURRENT_STREAMS 100', async () => {
    const session = await connect(servers[index]!)
    await new Promise((resolve) =>
      session.remoteSettings.maxConcurrentStreams ? resolve(0) : session.once('remoteSettings', resolve)
    )
    expect(session.remoteSettings.maxConcurrentStreams).toBe(100)
    session.close()
  })

  it.each([10_000, 20_000])(
    'survives %i concurrent streams on one connection that ignores the limit',
    async (n) => {
      const served = servers[index]!
      const rude = await connect(served, { peerMaxConcurrentStreams: 1_000_000 })
      const result = await burst(rude, n)
      expect(result.answered + result.failed).toBeLessThanOrEqual(n)
      await stillServes(served)
    },
    30_000
  )

  it('answers all of 10,000 streams from a client that keeps to the limit', async () => {
    const served = servers[index]!
    const result = await burst(await connect(served), 10_000)
    expect(result).toEqual({ answered: 10_000, failed: 0, reset: 0 })
  }, 30_000)

  it('closes the streams of a client whose flow-control window stays 0, and survives it', async () => {
    const served = servers[index]!
    const stuck = await connect(served, { settings: { initialWindowSize: 0 } })
    const startedAt = Date.now()
    const result = await burst(stuck, 100)
    // Headers go out (they are not flow-controlled); the bodies never can, so the request deadline resets them.
    expect(result.reset).toBe(100)
    expect(Date.now() - startedAt).toBeLessThan((REQUEST_S + 3) * 1000)
    await stillServes(served)
  }, 30_000)
})

describe('memory: 4 connections x 20,000 streams held open', () => {
  it('stays within 300 MB of idle, and a normal client p99 under 500 ms meanwhile', async () => {
    const served = servers[0]!
    const idle = rssBytes(served.child.pid!)
    const holders = await Promise.all([0, 1, 2, 3].map(() => connect(served, { peerMaxConcurrentStreams: 1_000_000 })))
    const held: http2.ClientHttp2Stream[] = []
    for (const session of holders) {
      session.on('error', () => undefined)
      for (let i = 0; i < 20_000; i++) {
        const stream = session.request(
          { ':method': 'POST', ':path': '/dns-query', 'content-type': 'application/dns-message' },
          { endStream: false }
        )
        stream.on('error', () => undefined)
        stream.write(Buffer.alloc(200)) // a body begun, never finished
        held.push(stream)
      }
    }
    const latencies: number[] = []
    let peak = idle
    for (let i = 0; i < 100; i++) {
      const normal = await connect(served)
      const t0 = performance.now()
      // A query that is never answered counts as 5 s, which fails the p99 below instead of hanging.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 5000)
        const stream = normal.request({ ':path': QUERY })
        stream.on('response', () => {
          clearTimeout(timer)
          resolve()
        })
        stream.on('close', () => resolve())
        stream.resume()
        stream.end()
      })
      latencies.push(performance.now() - t0)
      normal.close()
      peak = Math.max(peak, rssBytes(served.child.pid!))
    }
    for (const session of holders) session.destroy()
    latencies.sort((a, b) => a - b)
    expect(peak - idle).toBeLessThan(300 * 1024 * 1024)
    expect(latencies[98]!).toBeLessThan(500)
    await stillServes(served)
  }, 90_000)
})

describe('slow clients: absolute deadlines', () => {
  it('closes 50 trickling clients (HTTP/1.1 headers, h2 preface, silence, TLS) within the handshake bound', async () => {
    const [plain, secure] = servers as [Served, Served]
    const port = (s: Served) => Number(new URL(s.url).port)
    const h1 = 'GET /dns-query HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'a'.repeat(500)
    const preface = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'
    const closes: Array<Promise<number>> = []
    for (let i = 0; i < 50; i++) {
      const kind = i % 5
      if (kind === 3) {
        // A TLS client that never sends its ClientHello's end: a raw TCP trickle at the TLS port.
        const socket = net.connect(port(secure), '127.0.0.1')
        trickle(socket, '\x16\x03\x01\x02\x00' + 'a'.repeat(600))
        closes.push(closedWithin(socket))
      } else if (kind === 4) {
        // TLS done, then HTTP/1.1 headers trickled inside it.
        const socket = tls.connect({
          port: port(secure),
          host: '127.0.0.1',
          servername: 'localhost',
          ca: secure.ca,
          ALPNProtocols: ['http/1.1'],
        })
        socket.once('secureConnect', () => trickle(socket, h1))
        closes.push(closedWithin(socket))
      } else {
        const socket = net.connect(port(plain), '127.0.0.1')
        if (kind === 0) trickle(socket, h1)
        if (kind === 1) trickle(socket, preface)
        socket.on('error', () => undefined)
        closes.push(closedWithin(socket))
      }
    }
    const times = await Promise.all(closes)
    // The bound plus the one-second check of HTTP/1.1 deadlines and some scheduling slack.
    for (const ms of times) expect(ms).toBeLessThan((HANDSHAKE_S + 2.5) * 1000)
    await stillServes(plain)
    await stillServes(secure)
  }, 30_000)

  it('closes an h2 session that only pings, once it has had no stream for the idle bound', async () => {
    const session = await connect(servers[0]!)
    const startedAt = Date.now()
    const pinging = setInterval(() => session.ping(() => undefined), 100)
    await new Promise((resolve) => session.once('close', resolve))
    clearInterval(pinging)
    const ms = Date.now() - startedAt
    expect(ms).toBeGreaterThanOrEqual(IDLE_S * 1000 - 100)
    expect(ms).toBeLessThan((IDLE_S + 1.5) * 1000)
  }, 15_000)
})
