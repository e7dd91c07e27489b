/**
 * The Node server in-process, through Node's own clients: HTTP/1.1 (fetch) and h2c on the
 * cleartext port, h2 and http/1.1 by ALPN on the TLS port, /metrics, a restart from the data
 * directory, and a graceful close with a request in flight.
 */
import { readFileSync } from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { gzipSync } from 'node:zlib'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { viewLabel } from '../../src/runtime/node-metrics.ts'
import { startNodeServer } from '../../src/runtime/node-server.ts'
import { base64url, decode, rcodeOf, wireQuery, zoneLines } from '../helpers/dns.ts'
import { bookinfoSnapshot } from '../helpers/fixtures.ts'
import { CASES } from './support/expected.ts'
import { h2Connect, h2Reply, h2Request } from './support/h2.ts'
import { send } from './support/http.ts'
import { startMeshdoh, startWithSnapshots, testSettings, TOKEN, type TestMeshdoh } from './support/meshdoh.ts'
import { metricValue } from './support/metrics.ts'
import { removeTempDirs, tempDir } from './support/temp.ts'

const started: TestMeshdoh[] = []
const track = async (m: Promise<TestMeshdoh>) => {
  const meshdoh = await m
  started.push(meshdoh)
  return meshdoh
}

afterAll(async () => {
  await Promise.all(started.map((m) => m.server.close()))
  removeTempDirs()
})

const [A, AAAA, SRV] = CASES as [(typeof CASES)[0], (typeof CASES)[0], (typeof CASES)[0]]
const DNS = 'application/dns-message'

function answerOf(bytes: Uint8Array) {
  const message = decode(bytes)
  return { rcode: rcodeOf(message), answer: zoneLines(message.answers) }
}

describe('cleartext port: HTTP/1.1 and h2c side by side', () => {
  let plain: TestMeshdoh
  beforeAll(async () => {
    plain = await track(startMeshdoh())
  })

  it('HTTP/1.1 (fetch): push, then a GET query answers from it', async () => {
    const pushed = await fetch(`${plain.url}/v1/snapshots/east-1`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(bookinfoSnapshot()),
    })
    expect(await pushed.json()).toMatchObject({ cluster: 'east-1', revision: 1, names: 12 })
    const response = await fetch(`${plain.url}/dns-query?dns=${base64url(wireQuery(A.name, A.type))}`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe(DNS)
    expect(answerOf(new Uint8Array(await response.arrayBuffer()))).toEqual({ rcode: A.rcode, answer: A.answer })
  })

  it('h2c with prior knowledge: POST and GET on one session', async () => {
    const session = await h2Connect(plain.url)
    try {
      const post = await h2Request(session, '/dns-query', {
        method: 'POST',
        headers: { 'content-type': DNS },
        body: wireQuery(AAAA.name, AAAA.type),
      })
      expect(post.status).toBe(200)
      expect(answerOf(post.body)).toEqual({ rcode: AAAA.rcode, answer: AAAA.answer })
      const get = await h2Request(session, `/dns-query?dns=${base64url(wireQuery(SRV.name, SRV.type))}`)
      expect(answerOf(get.body)).toEqual({ rcode: SRV.rcode, answer: SRV.answer })
    } finally {
      session.close()
    }
  })

  it('a client that never speaks does not stop another from being served', async () => {
    const silent = net.connect(plain.port, '127.0.0.1')
    await new Promise((r) => silent.once('connect', r))
    const health = await send(`${plain.url}/healthz`)
    expect(JSON.parse(health.body.toString())).toEqual({ status: 'ok', ready: true })
    silent.destroy()
  })
})

describe('snapshot push on Node: zlib inflate and revalidation', () => {
  const put = (m: TestMeshdoh, body: Uint8Array | string, gzip: boolean) =>
    fetch(`${m.url}/v1/snapshots/east-1`, {
      method: 'PUT',
      headers: {
        Authorization: `Bearer ${TOKEN}`,
        'Content-Type': 'application/json',
        ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
      },
      body,
    })

  it('gzip: accepted, 400 when corrupt, 413 when it inflates past the limit', async () => {
    const m = await track(startMeshdoh({ settings: { ...testSettings(), maxSnapshotBytes: 64 * 1024 } }))
    const body = gzipSync(JSON.stringify(bookinfoSnapshot()))
    expect((await put(m, body, true)).status).toBe(200)
    expect((await put(m, body.subarray(0, 20), true)).status).toBe(400)
    // 10 KiB of gzip that inflates to 1 MiB: the limit applies to what comes out.
    const bomb = gzipSync(JSON.stringify({ pad: ' '.repeat(1 << 20) }))
    expect(bomb.byteLength).toBeLessThan(10 * 1024)
    const refused = await put(m, bomb, true)
    expect(refused.status).toBe(413)
    expect(await refused.json()).toEqual({ error: `body larger than ${64 * 1024} bytes` })
  })

  it.each([true, false])(
    'a push that changes one service answers the change; a bad field is still named (keepLastPush %s)',
    async (keepLastPush) => {
      const m = await track(startMeshdoh({ keepLastPush }))
      expect((await put(m, JSON.stringify(bookinfoSnapshot()), false)).status).toBe(200)
      const next = bookinfoSnapshot({ revision: 2 })
      const services = next.services as Array<Record<string, unknown>>
      services[2] = { ...services[2], clusterIPs: ['10.96.12.99'] }
      expect((await put(m, JSON.stringify(next), false)).status).toBe(200)
      const reply = await fetch(`${m.url}/resolve?name=reviews.bookinfo.svc.cluster.local&type=A`)
      expect(JSON.stringify(await reply.json())).toContain('10.96.12.99')
      services[3] = { ...services[3], clusterIPs: ['10.96.12.300'] }
      const bad = await put(m, JSON.stringify({ ...next, revision: 3 }), false)
      expect(bad.status).toBe(400)
      expect(await bad.json()).toMatchObject({ path: 'services[3].clusterIPs[0]' })
    }
  )
})

describe('TLS port: ALPN h2 and http/1.1', () => {
  let tls: TestMeshdoh
  let ca: Buffer
  beforeAll(async () => {
    tls = await track(startWithSnapshots({ tls: true }))
    ca = readFileSync(tls.pki!.ca)
  })

  it('h2: a verified TLS session negotiates h2 and answers', async () => {
    const session = await h2Connect(`https://localhost:${tls.port}`, { ca })
    try {
      expect(session.alpnProtocol).toBe('h2')
      const reply = await h2Request(session, `/dns-query?dns=${base64url(wireQuery(A.name, A.type))}`)
      expect(answerOf(reply.body)).toEqual({ rcode: A.rcode, answer: A.answer })
    } finally {
      session.close()
    }
  })

  it('http/1.1: a client offering only http/1.1 is served on the same port', async () => {
    const reply = await send(`https://localhost:${tls.port}/dns-query`, {
      method: 'POST',
      headers: { 'Content-Type': DNS },
      body: wireQuery(AAAA.name, AAAA.type),
      ca,
      alpn: ['http/1.1'],
    })
    expect(reply.alpn).toBe('http/1.1')
    expect(answerOf(reply.body)).toEqual({ rcode: AAAA.rcode, answer: AAAA.answer })
  })

  it('/metrics: queries by rcode, type and hashed view; pushes by outcome; revision and age per cluster', async () => {
    const viewPath = `https://localhost:${tls.port}/v/vm-bookinfo/dns-query?dns=${base64url(wireQuery(A.name, A.type))}`
    expect((await send(viewPath, { ca })).status).toBe(200)
    const stale = await send(`https://localhost:${tls.port}/v1/snapshots/east-1`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(bookinfoSnapshot({ ttl: 5 })),
      ca,
    })
    expect(stale.status).toBe(409)
    const denied = await send(`https://localhost:${tls.port}/v1/snapshots/east-1`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
      ca,
    })
    expect(denied.status).toBe(401)

    const scrape = await send(`https://localhost:${tls.port}/metrics`, { ca })
    const text = scrape.body.toString()
    expect(scrape.headers['content-type']).toMatch(/^text\/plain/)
    expect(text).toContain(`meshdoh_dns_queries_total{rcode="NOERROR",type="A",view="${viewLabel('vm-bookinfo')}"} 1`)
    expect(text).not.toContain('vm-bookinfo')
    expect(text).toMatch(/meshdoh_dns_query_duration_seconds_count \d+/)
    expect(text).toContain('meshdoh_snapshot_pushes_total{outcome="accepted"} 2')
    expect(text).toContain('meshdoh_snapshot_pushes_total{outcome="stale"} 1')
    expect(text).toContain('meshdoh_snapshot_pushes_total{outcome="unauthorized"} 1')
    expect(text).toContain('meshdoh_snapshot_revision{cluster="east-1"} 1')
    expect(text).toContain('meshdoh_snapshot_revision{cluster="loop"} 1')
    const age = Number(text.match(/meshdoh_snapshot_age_seconds\{cluster="east-1"\} ([\d.]+)/)?.[1])
    expect(age).toBeCloseTo((Date.now() - Date.parse('2026-11-24T19:00:00Z')) / 1000, -1)
  })
})

describe('logs', () => {
  it('debug level: one line per query, the view as its hash, never its id', async () => {
    const lines: string[] = []
    const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString()), done()) })
    const server = await startNodeServer({
      settings: testSettings(),
      dataDir: join(tempDir(), 'data'),
      listen: { host: '127.0.0.1', port: 0 },
      logger: pino({ level: 'debug' }, sink),
    })
    try {
      await fetch(`${server.url}/v/vm-bookinfo/dns-query?dns=${base64url(wireQuery(A.name, A.type))}`)
      const queries = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'query')
      // No snapshot pushed: SERVFAIL (rcode 2), as before any first table.
      expect(queries).toMatchObject([{ view: viewLabel('vm-bookinfo'), type: 1, rcode: 2 }])
      expect(lines.join('')).not.toContain('vm-bookinfo')
    } finally {
      await server.close()
    }
  })
})

describe('restart from the data directory', () => {
  it('success: a new server on the same data directory answers at once, before any push', async () => {
    const first = await startWithSnapshots()
    const dataDir = first.dataDir
    await first.server.close()
    const second = await track(startMeshdoh({ dataDir }))
    const response = await fetch(`${second.url}/dns-query?dns=${base64url(wireQuery(A.name, A.type))}`)
    expect(answerOf(new Uint8Array(await response.arrayBuffer()))).toEqual({ rcode: A.rcode, answer: A.answer })
    const listed = (await (
      await fetch(`${second.url}/v1/snapshots`, { headers: { Authorization: `Bearer ${TOKEN}` } })
    ).json()) as Array<{
      cluster: string
      revision: number
    }>
    expect(listed.map((s) => `${s.cluster}@${s.revision}`)).toEqual(['east-1@1', 'loop@1'])
    expect((await second.push(bookinfoSnapshot() as { cluster: string })).status).toBe(200)
    expect((await second.push(bookinfoSnapshot({ ttl: 5 }) as { cluster: string })).status).toBe(409)
    expect(await metricValue(second.server, 'meshdoh_snapshot_revision', { cluster: 'east-1' })).toBe(1)
  })
})

describe('graceful close', () => {
  it('an h2 request in flight is answered; new connections are refused meanwhile', async () => {
    const meshdoh = await startWithSnapshots()
    const session = await h2Connect(meshdoh.url)
    // `expect: 100-continue`: the server says when the request has reached the app; the body follows later.
    const stream = session.request({
      ':method': 'POST',
      ':path': '/dns-query',
      'content-type': DNS,
      expect: '100-continue',
    })
    const reply = h2Reply(stream)
    await new Promise((resolve) => stream.once('continue', resolve))

    const closed = meshdoh.server.close()
    let done = false
    void closed.then(() => (done = true))
    await new Promise((r) => setTimeout(r, 150))
    expect(done).toBe(false)
    await expect(fetch(`${meshdoh.url}/healthz`)).rejects.toThrow()

    stream.end(wireQuery(A.name, A.type))
    const answered = await reply
    expect(answered.status).toBe(200)
    expect(answerOf(answered.body)).toEqual({ rcode: A.rcode, answer: A.answer })
    await closed
    session.destroy()
  })

  it('idle keep-alive and h2 connections do not hold the close for the drain timeout', async () => {
    const meshdoh = await startWithSnapshots({})
    const agent = new http.Agent({ keepAlive: true })
    await new Promise((resolve) =>
      http.get(`${meshdoh.url}/healthz`, { agent }, (res) => res.resume().on('end', resolve))
    )
    const session = await h2Connect(meshdoh.url)
    await h2Request(session, '/healthz')
    const t0 = performance.now()
    await meshdoh.server.close()
    expect(performance.now() - t0).toBeLessThan(2_000)
    agent.destroy()
    session.destroy()
  })

  it('a connection that never finishes its TLS handshake is cut after the grace second, not kept', async () => {
    const meshdoh = await startMeshdoh({ tls: true })
    const stuck = net.connect(meshdoh.port, '127.0.0.1')
    await new Promise((r) => stuck.once('connect', r))
    const gone = new Promise((r) => stuck.once('close', r))
    const t0 = performance.now()
    await meshdoh.server.close()
    await gone
    expect(performance.now() - t0).toBeLessThan(3_000)
  })
})
