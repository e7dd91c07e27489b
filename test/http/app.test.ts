/** Settings the Worker under test does not use: limits, closed anonymous access, views. */
import { describe, expect, it } from 'vitest'
import { base64url, decode, wireQuery, zoneLines } from '../helpers/dns.ts'
import { bookinfoSnapshot } from '../helpers/fixtures.ts'
import { TOKEN, localApp } from '../helpers/app.ts'

async function gzipStream(chunk: Uint8Array, times: number): Promise<Uint8Array> {
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < times; i++) controller.enqueue(chunk)
      controller.close()
    },
  }).pipeThrough(new CompressionStream('gzip'))
  return new Uint8Array(await new Response(stream).arrayBuffer())
}

describe('limits', () => {
  it('413: a snapshot over the configured size', async () => {
    const { app } = localApp({ MESHDOH_MAX_SNAPSHOT_BYTES: '1024' })
    const response = await app.request('/v1/snapshots/east-1', {
      method: 'PUT',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(bookinfoSnapshot()),
    })
    expect(response.status).toBe(413)
  })

  it('413: a small gzip body that inflates past the limit (a gzip bomb)', async () => {
    const { app } = localApp({ MESHDOH_MAX_SNAPSHOT_BYTES: String(1024 * 1024) })
    const bomb = await gzipStream(new Uint8Array(64 * 1024).fill(0x20), 64) // 4 MiB of spaces
    expect(bomb.length).toBeLessThan(16 * 1024)
    const response = await app.request('/v1/snapshots/east-1', {
      method: 'PUT',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
      body: bomb,
    })
    expect(response.status).toBe(413)
  })
})

describe('views (docs/views.md)', () => {
  const views = JSON.stringify({ 'k3Jd9-vm-bookinfo': { namespace: 'bookinfo', cluster: 'east-1' } })

  it('401: anonymous endpoints when MESHDOH_ANONYMOUS=false; the view URL still answers', async () => {
    const { app, push } = localApp({ MESHDOH_ANONYMOUS: 'false', MESHDOH_VIEWS: views })
    expect((await push(bookinfoSnapshot())).status).toBe(200)
    const dns = base64url(wireQuery('reviews', 'A'))
    expect((await app.request(`/dns-query?dns=${dns}`)).status).toBe(401)
    expect((await app.request('/resolve?name=reviews.bookinfo.svc.cluster.local')).status).toBe(401)
    const viewed = await app.request(`/v/k3Jd9-vm-bookinfo/dns-query?dns=${dns}`)
    expect(viewed.status).toBe(200)
    expect(zoneLines(decode(await viewed.arrayBuffer()).answers)).toEqual(['reviews. 30 IN A 10.96.12.7'])
  })

  it('404: an unknown view id, without echoing it', async () => {
    const { app } = localApp({ MESHDOH_VIEWS: views })
    const response = await app.request('/v/guessed-id/resolve?name=reviews')
    expect(response.status).toBe(404)
    expect(await response.text()).not.toContain('guessed-id')
  })
})

describe('the packed index', () => {
  it('is loaded once per revision, not once per query', async () => {
    const { app, push, holder } = localApp({ MESHDOH_FRESHNESS_SECONDS: '0.001' })
    expect((await push(bookinfoSnapshot())).status).toBe(200)
    for (let i = 0; i < 50; i++) {
      const response = await app.request(`/resolve?name=reviews.bookinfo.svc.cluster.local&i=${i}`)
      expect(response.status).toBe(200)
    }
    expect(holder.loads).toBe(1)
    expect((await push(bookinfoSnapshot({ revision: 2 }))).status).toBe(200)
    for (let i = 0; i < 50; i++) await app.request('/resolve?name=details.bookinfo.svc.cluster.local')
    expect(holder.loads).toBe(2)
  })

  it('asks the store for changes at most once per freshness interval', async () => {
    let now = 1_000_000
    const { app, push, store } = localApp({ MESHDOH_FRESHNESS_SECONDS: '5' }, { now: () => new Date(now) })
    expect((await push(bookinfoSnapshot())).status).toBe(200)
    let stamps = 0
    const stamp = store.stamp.bind(store)
    store.stamp = () => (stamps++, stamp())
    for (let i = 0; i < 100; i++) await app.request('/resolve?name=reviews.bookinfo.svc.cluster.local')
    expect(stamps).toBe(1)
    now += 5_000
    for (let i = 0; i < 100; i++) await app.request('/resolve?name=reviews.bookinfo.svc.cluster.local')
    expect(stamps).toBe(2)
  })

  it('keeps the newer revision when pushes for one cluster race', async () => {
    const { push, store } = localApp()
    const revisions = [5, 3, 9, 1, 7, 8, 2]
    const responses = await Promise.all(revisions.map((revision) => push(bookinfoSnapshot({ revision }))))
    expect(responses.some((r) => r.status === 200)).toBe(true)
    expect((await store.list())[0]!.revision).toBe(9)
  })
})
