import { beforeEach, describe, expect, it } from 'vitest'
import { rcodeOf, zoneLines } from '../helpers/dns.ts'
import { bookinfoSnapshot } from '../helpers/fixtures.ts'
import { clear, push, queryGet, resolveJson } from '../helpers/worker.ts'

// The canonical digest of the bookinfo fixture, as the README's quick start shows it.
const BOOKINFO_DIGEST = 'sha256:a8c19e4e54437d8086754b241bc1a185f1c859f436681245da8a9a2f7244a1e3'

describe('push then resolve', () => {
  beforeEach(clear)

  it('answers a ClusterIP service after a push', async () => {
    const pushed = await push(bookinfoSnapshot())
    expect(pushed.status).toBe(200)
    expect(await pushed.json()).toEqual({ cluster: 'east-1', revision: 1, names: 12, digest: BOOKINFO_DIGEST })
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
