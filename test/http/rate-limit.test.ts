import { describe, expect, it } from 'vitest'
import { bindingLimiter, tokenBucketLimiter } from '../../src/http/rate-limit.ts'
import { localApp } from '../helpers/app.ts'

describe('rate limiting per client address', () => {
  it('429 with Retry-After past the burst, per address; refills over time', async () => {
    let now = 0
    const { app } = localApp(
      {},
      {
        rateLimiter: tokenBucketLimiter(2, 3, () => now),
        clientAddress: (c) => c.req.header('x-test-client'),
      }
    )
    const ask = (client: string) => app.request('/resolve?name=example.org', { headers: { 'x-test-client': client } })
    for (let i = 0; i < 3; i++) expect((await ask('192.0.2.1')).status).toBe(200)
    const limited = await ask('192.0.2.1')
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toBe('1')
    expect((await ask('192.0.2.2')).status).toBe(200)
    now += 500
    expect((await ask('192.0.2.1')).status).toBe(200)
    expect((await ask('192.0.2.1')).status).toBe(429)
    expect((await app.request('/healthz', { headers: { 'x-test-client': '192.0.2.1' } })).status).toBe(200)
  })

  it('is off unless configured', async () => {
    const { app } = localApp()
    for (let i = 0; i < 200; i++) expect((await app.request('/resolve?name=example.org')).status).toBe(200)
  })

  it('uses the Workers binding where there is one', async () => {
    const keys: string[] = []
    const limiter = bindingLimiter({ limit: async ({ key }) => (keys.push(key), { success: keys.length <= 1 }) })
    expect(await limiter('198.51.100.7')).toBe(true)
    expect(await limiter('198.51.100.7')).toBe(false)
    expect(keys).toEqual(['198.51.100.7', '198.51.100.7'])
  })

  it('keeps its table bounded under address churn', () => {
    const limiter = tokenBucketLimiter(1, 1, () => 0, 1000)
    for (let i = 0; i < 10_000; i++) expect(limiter(`10.0.${i >> 8}.${i & 255}`)).toBe(true)
  })
})
