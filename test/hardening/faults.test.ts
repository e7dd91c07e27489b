/** Faults on the Worker path: a store that stops answering, and revisions swapped under load. */
import { describe, expect, it } from 'vitest'
import type { SnapshotStore } from '../../src/store/store.ts'
import { decode, base64url, rcodeOf, wireQuery } from '../helpers/dns.ts'
import { bookinfoSnapshot } from '../helpers/fixtures.ts'
import { localApp, TOKEN } from '../helpers/app.ts'

/** Makes every read of `store` fail while `broken()` is true. */
function breakable(store: SnapshotStore, broken: () => boolean): void {
  for (const method of ['stamp', 'load', 'list'] as const) {
    const original = store[method].bind(store) as () => Promise<never>
    ;(store as unknown as Record<string, () => Promise<unknown>>)[method] = () =>
      broken() ? Promise.reject(new Error('storage unavailable')) : original()
  }
}

function ede(message: ReturnType<typeof decode>): number | undefined {
  const opt = (message.additionals ?? []).find((rr) => rr.type === 'OPT') as
    { options: Array<{ code: number; data: Uint8Array }> } | undefined
  const option = opt?.options.find((o) => o.code === 15)
  return option ? (option.data[0]! << 8) | option.data[1]! : undefined
}

describe('storage read failure', () => {
  it('keeps answering from the last compiled index, marks answers stale past the bound, reports it', async () => {
    let now = 5_000_000
    let broken = false
    const errors: unknown[] = []
    const { app, push, store } = localApp(
      { MESHDOH_FRESHNESS_SECONDS: '5', MESHDOH_STALE_SECONDS: '60' },
      { now: () => new Date(now), events: { error: (e) => errors.push(e) } }
    )
    breakable(store, () => broken)
    expect((await push(bookinfoSnapshot())).status).toBe(200)
    const ask = async () =>
      decode(
        await (
          await app.request(
            `/dns-query?dns=${base64url(wireQuery('reviews.bookinfo.svc.cluster.local', 'A', { edns: true }))}`
          )
        ).arrayBuffer()
      )

    expect(ede(await ask())).toBeUndefined()
    broken = true
    now += 30_000
    const early = await ask()
    expect(rcodeOf(early)).toBe('NOERROR')
    expect(early.answers).toHaveLength(1)
    expect(ede(early)).toBeUndefined()
    now += 40_000
    const late = await ask()
    expect(rcodeOf(late)).toBe('NOERROR')
    expect(late.answers).toHaveLength(1)
    expect(ede(late)).toBe(3) // Stale Answer
    expect(errors.length).toBeGreaterThan(0)

    const status = await app.request('/v1/snapshots', { headers: { Authorization: `Bearer ${TOKEN}` } })
    expect(status.status).toBe(503)
    expect(await status.json()).toMatchObject({
      serving: [{ cluster: 'east-1', revision: 1 }],
      stale: true,
      secondsSinceRead: 70,
    })

    broken = false
    now += 5_000
    expect(ede(await ask())).toBeUndefined()
  })

  it('stays SERVFAIL when no snapshot was ever read', async () => {
    const { app, store } = localApp()
    breakable(store, () => true)
    const message = decode(
      await (
        await app.request(`/dns-query?dns=${base64url(wireQuery('reviews.bookinfo.svc.cluster.local', 'A'))}`)
      ).arrayBuffer()
    )
    expect(rcodeOf(message)).toBe('SERVFAIL')
  })
})

/** Revision r: every address encodes r, and the ttl is r, so a mixed answer shows. */
function revisionSnapshot(r: number) {
  const services = Array.from({ length: 20 }, (_, i) => ({
    name: `svc-${i}`,
    namespace: 'load',
    clusterIPs: [`10.${r}.0.${i + 1}`],
    ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
  }))
  services.push({
    name: 'db',
    namespace: 'load',
    clusterIPs: [],
    ports: [{ name: 'sql', port: 5432, protocol: 'TCP' }],
    endpoints: Array.from({ length: 5 }, (_, i) => ({ addresses: [`10.${r}.1.${i + 1}`], hostname: `db-${i}` })),
  } as (typeof services)[number])
  return bookinfoSnapshot({ revision: r, ttl: r, services, serviceEntries: [] })
}

describe('snapshot swap under load', () => {
  it('serves 100 revisions pushed during queries: no SERVFAIL, every answer from one revision', async () => {
    const { app, push } = localApp({ MESHDOH_FRESHNESS_SECONDS: '0.001' })
    expect((await push(revisionSnapshot(1))).status).toBe(200)
    const seen = new Set<number>()
    let queries = 0
    const ask = async () => {
      const query = wireQuery('_sql._tcp.db.load.svc.cluster.local', 'SRV', { id: queries++ & 0xffff })
      const message = decode(await (await app.request(`/dns-query?dns=${base64url(query)}`)).arrayBuffer())
      expect(rcodeOf(message)).toBe('NOERROR')
      const records = [...(message.answers ?? []), ...(message.additionals ?? [])] as Array<{
        ttl: number
        type: string
        data: unknown
      }>
      expect(records).toHaveLength(10)
      const revisions = new Set(records.map((rr) => rr.ttl))
      for (const rr of records) if (rr.type === 'A') revisions.add(Number(String(rr.data).split('.')[1]))
      expect(revisions.size, JSON.stringify(records)).toBe(1)
      seen.add([...revisions][0]!)
    }
    // Each push runs with queries in flight before, during and after the swap.
    for (let r = 2; r <= 101; r++) {
      const pushed = Promise.resolve(push(revisionSnapshot(r))).then((response) => expect(response.status).toBe(200))
      await Promise.all([ask(), ask(), pushed, ask(), ask(), ask()])
    }
    expect(queries).toBeGreaterThan(100)
    expect(seen.size).toBeGreaterThan(10)
  })
})
