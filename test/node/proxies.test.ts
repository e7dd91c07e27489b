/**
 * The rate limit behind a reverse proxy, on the real Node server over HTTP/1.1 and h2c: the
 * client behind a trusted proxy is keyed by its own address, forged headers from anyone else
 * change nothing, and the sync job's authenticated push is never counted against queries.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import views from '../fixtures/views.json'
import { base64url, wireQuery } from '../helpers/dns.ts'
import { bookinfoSnapshot } from '../helpers/fixtures.ts'
import { parseSettings } from '../../src/runtime/settings.ts'
import { h2Connect, h2Request } from './support/h2.ts'
import { send } from './support/http.ts'
import { startMeshdoh, TOKEN, type TestMeshdoh } from './support/meshdoh.ts'
import { removeTempDirs } from './support/temp.ts'

const pushDoc = (revision = 1) => ({ ...bookinfoSnapshot({ revision }), cluster: 'east-1' })
const QUERY = `/dns-query?dns=${base64url(wireQuery('reviews.bookinfo.svc.cluster.local', 'A'))}`
const settings = (proxies: string) =>
  parseSettings({
    MESHDOH_PUSH_TOKENS: TOKEN,
    MESHDOH_VIEWS: JSON.stringify(views),
    MESHDOH_FRESHNESS_SECONDS: '0.001',
    MESHDOH_RATE_LIMIT_QPS: '0.01',
    MESHDOH_RATE_LIMIT_BURST: '3',
    MESHDOH_TRUSTED_PROXIES: proxies,
  })

let behindProxy: TestMeshdoh
let exposed: TestMeshdoh
beforeAll(async () => {
  behindProxy = await startMeshdoh({ settings: settings('127.0.0.0/8') })
  exposed = await startMeshdoh({ settings: settings('') })
  for (const m of [behindProxy, exposed]) expect((await m.push(pushDoc())).status).toBe(200)
})
afterAll(async () => {
  await Promise.all([behindProxy.server.close(), exposed.server.close()])
  removeTempDirs()
})

const ask = (m: TestMeshdoh, headers: Record<string, string> = {}) =>
  send(`${m.url}${QUERY}`, { headers }).then((r) => r.status)

describe('rate limit behind a proxy', () => {
  it('success: clients behind a trusted proxy are limited one by one, HTTP/1.1 and h2 alike', async () => {
    for (let i = 0; i < 3; i++) expect(await ask(behindProxy, { 'X-Forwarded-For': '203.0.113.1' })).toBe(200)
    expect(await ask(behindProxy, { 'X-Forwarded-For': '203.0.113.1' })).toBe(429)
    // Another client behind the same proxy is not locked out, over h2 (the fast path) either.
    const session = await h2Connect(behindProxy.url)
    for (let i = 0; i < 3; i++) {
      const reply = await h2Request(session, QUERY, { headers: { forwarded: 'for=203.0.113.2' } })
      expect(reply.status).toBe(200)
    }
    expect((await h2Request(session, QUERY, { headers: { forwarded: 'for=203.0.113.2' } })).status).toBe(429)
    session.close()
    // A client cannot escape its own bucket by prepending a forged hop: the proxy appends the real one.
    expect(await ask(behindProxy, { 'X-Forwarded-For': '198.51.100.77, 203.0.113.1' })).toBe(429)
  })

  it('refused: without a trusted proxy, forged headers change nothing', async () => {
    for (let i = 0; i < 3; i++) expect(await ask(exposed, { 'X-Forwarded-For': `203.0.113.${10 + i}` })).toBe(200)
    expect(await ask(exposed, { 'X-Forwarded-For': '203.0.113.99' })).toBe(429)
  })

  it('success: an authenticated push is not counted against, nor refused by, the query limit', async () => {
    // The peer of `exposed` is locked out by now; the sync job's push still goes through, repeatedly.
    expect(await ask(exposed)).toBe(429)
    for (let revision = 2; revision < 7; revision++) {
      expect((await exposed.push(pushDoc(revision))).status).toBe(200)
    }
    // A wrong token is counted like any query: no free guessing.
    const guess = await send(`${exposed.url}/v1/snapshots/east-1`, {
      method: 'PUT',
      headers: { Authorization: 'Bearer wrong', 'Content-Type': 'application/json' },
      body: '{}',
    })
    expect(guess.status).toBe(429)
  })
})
