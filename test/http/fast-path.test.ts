/** The framework-free DoH GET answers exactly as the app does, and leaves everything else to it. */
import { describe, expect, it } from 'vitest'
import { base64url, wireQuery } from '../helpers/dns.ts'
import { bookinfoSnapshot } from '../helpers/fixtures.ts'
import { localApp } from '../helpers/app.ts'
import { tokenBucketLimiter } from '../../src/http/rate-limit.ts'

const views = JSON.stringify({ 'vm-1': { namespace: 'bookinfo', cluster: 'east-1' } })

describe('wire fast path', () => {
  it('answers byte for byte like the app, anonymous and through a view', async () => {
    const { app, push, fastPath } = localApp({ MESHDOH_VIEWS: views })
    expect((await push(bookinfoSnapshot())).status).toBe(200)
    const cases = [
      ['reviews.bookinfo.svc.cluster.local', 'AAAA', '/dns-query'],
      ['nope.bookinfo.svc.cluster.local', 'A', '/dns-query'],
      ['www.example.org', 'A', '/dns-query'],
      ['reviews', 'A', '/v/vm-1/dns-query'],
      ['_http._tcp.productpage', 'SRV', '/v/vm-1/dns-query'],
    ] as const
    for (const [name, type, path] of cases) {
      for (const options of [{ id: 1 }, { id: 2, padding: true }, { id: 3 }]) {
        const url = `${path}?dns=${base64url(wireQuery(name, type, options))}`
        const fast = (await fastPath(url, '192.0.2.1'))!
        const slow = await app.request(url)
        expect(Buffer.from(fast.body)).toEqual(Buffer.from(await slow.arrayBuffer()))
        expect(fast.cacheControl).toBe(slow.headers.get('cache-control'))
      }
    }
  })

  it('leaves errors, other forms and closed or unknown views to the app', () => {
    const dns = base64url(wireQuery('reviews', 'A'))
    const open = localApp({ MESHDOH_VIEWS: views }).fastPath
    for (const path of [
      '/dns-query',
      `/dns-query?dns=${dns}&x=1`,
      '/dns-query?dns=AAAA',
      '/dns-query?dns=***',
      `/v/guess/dns-query?dns=${dns}`,
      `/resolve?name=a`,
      `/dns-query?name=a`,
    ]) {
      expect(open(path, undefined), path).toBeUndefined()
    }
    const closed = localApp({ MESHDOH_ANONYMOUS: 'false', MESHDOH_VIEWS: views }).fastPath
    expect(closed(`/dns-query?dns=${dns}`, undefined)).toBeUndefined()
    expect(closed(`/v/vm-1/dns-query?dns=${dns}`, undefined)).toBeDefined()
  })

  it('leaves a rate-limited client to the app, which answers 429', async () => {
    const { app, fastPath } = localApp(
      {},
      { rateLimiter: tokenBucketLimiter(1, 1, () => 0), clientAddress: () => '192.0.2.9' }
    )
    const url = `/dns-query?dns=${base64url(wireQuery('a.example', 'A'))}`
    expect(fastPath(url, '192.0.2.9')).toBeDefined()
    expect(fastPath(url, '192.0.2.9')).toBeUndefined()
    expect((await app.request(url)).status).toBe(429)
  })
})
