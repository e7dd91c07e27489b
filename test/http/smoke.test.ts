import { beforeEach, describe, expect, it } from 'vitest'
import { rcodeOf, zoneLines } from '../helpers/dns.ts'
import { bookinfoSnapshot } from '../helpers/fixtures.ts'
import { clear, push, queryGet, resolveJson } from '../helpers/worker.ts'

describe('push then resolve', () => {
  beforeEach(clear)

  it('answers a ClusterIP service after a push', async () => {
    const pushed = await push(bookinfoSnapshot())
    expect(pushed.status).toBe(200)
    expect(await pushed.json()).toEqual({ cluster: 'east-1', revision: 1, names: 12 })
    const { response, message } = await queryGet('reviews.bookinfo.svc.cluster.local', 'A')
    expect(response.status).toBe(200)
    expect(rcodeOf(message)).toBe('NOERROR')
    expect(zoneLines(message.answers)).toEqual(['reviews.bookinfo.svc.cluster.local. 30 IN A 10.96.12.7'])
    const json = await resolveJson('reviews.bookinfo.svc.cluster.local', 'AAAA')
    expect(json.body.Answer).toEqual([
      { name: 'reviews.bookinfo.svc.cluster.local.', type: 28, TTL: 30, data: 'fd00:10:96::c07' },
    ])
  })
})
