/** Snapshot push (docs/snapshot-format.md) through the Worker and its Durable Object, in workerd. */
import { SELF } from 'cloudflare:test'
import { beforeEach, describe, expect, it } from 'vitest'
import { rcodeOf, zoneLines } from '../helpers/dns.ts'
import { bookinfoSnapshot, type SnapshotDoc } from '../helpers/fixtures.ts'
import { BASE, TOKEN, clear, push, queryGet } from '../helpers/worker.ts'

async function reviewsAnswer(): Promise<string[]> {
  return zoneLines((await queryGet('reviews.bookinfo.svc.cluster.local', 'A')).message.answers)
}

function withService(doc: SnapshotDoc, index: number, fields: Record<string, unknown>): SnapshotDoc {
  const services = structuredClone(doc.services) as Array<Record<string, unknown>>
  services[index] = { ...services[index], ...fields }
  return { ...doc, services }
}

async function gzip(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'))
  return new Uint8Array(await new Response(stream).arrayBuffer())
}

function putRaw(body: BodyInit, headers: Record<string, string>, cluster = 'east-1') {
  return SELF.fetch(`${BASE}/v1/snapshots/${cluster}`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', ...headers },
    body,
  })
}

describe('PUT /v1/snapshots/{cluster}', () => {
  beforeEach(async () => {
    await clear()
    expect((await push(bookinfoSnapshot())).status).toBe(200)
  })

  it('400, not a 500: a string with a lone surrogate has no canonical form (RFC 8785)', async () => {
    const body = JSON.stringify(
      withService(bookinfoSnapshot({ revision: 2 }), 0, { ports: [{ name: 'PLACEHOLDER', port: 80 }] })
    ).replace('PLACEHOLDER', '\\ud800')
    const response = await putRaw(body, {})
    expect(response.status).toBe(400)
    expect(((await response.json()) as { error: string }).error).toMatch(/canonical/)
    const list = (await (
      await SELF.fetch(`${BASE}/v1/snapshots`, { headers: { Authorization: `Bearer ${TOKEN}` } })
    ).json()) as Array<{ revision: number }>
    expect(list[0]!.revision).toBe(1)
  })
  it('200: a newer revision is stored and served at once', async () => {
    const next = withService(bookinfoSnapshot({ revision: 2 }), 2, { clusterIPs: ['10.96.12.99'] })
    const response = await push(next)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({
      cluster: 'east-1',
      revision: 2,
      names: 12,
      digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
    })
    expect(await reviewsAnswer()).toEqual(['reviews.bookinfo.svc.cluster.local. 30 IN A 10.96.12.99'])
    expect((await SELF.fetch(`${BASE}/v1/snapshots`)).status).toBe(401)
    const listOf = (token: string) =>
      SELF.fetch(`${BASE}/v1/snapshots`, { headers: { Authorization: `Bearer ${token}` } }).then(
        (r) => r.json() as Promise<Array<Record<string, unknown>>>
      )
    // A token bound to another cluster sees nothing of east-1... and east-1's own token sees it.
    await push({ ...bookinfoSnapshot(), cluster: 'other-1' }, { cluster: 'other-1' })
    expect((await listOf('east-token')).map((s) => s.cluster)).toEqual(['east-1'])
    await SELF.fetch(`${BASE}/v1/snapshots/other-1`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${TOKEN}` },
    })
    const list = await listOf(TOKEN)
    expect(list).toHaveLength(1)
    expect(list[0]).toMatchObject({ cluster: 'east-1', revision: 2, generatedAt: '2026-11-24T19:00:00Z', names: 12 })
    expect(Date.parse(String(list[0]!.receivedAt))).not.toBeNaN()
  })

  it('200: an identical retry of the held revision answers the same body', async () => {
    const again = await push(bookinfoSnapshot())
    expect(again.status).toBe(200)
    expect(await again.json()).toEqual({
      cluster: 'east-1',
      revision: 1,
      names: 12,
      digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
    })
  })

  it('409: the same revision with other content, or an older one, names the current revision', async () => {
    expect((await push(bookinfoSnapshot({ revision: 5 }))).status).toBe(200)
    for (const doc of [bookinfoSnapshot({ revision: 5, ttl: 60 }), bookinfoSnapshot({ revision: 4 })]) {
      const response = await push(doc)
      expect(response.status).toBe(409)
      expect(await response.json()).toMatchObject({ current: 5 })
    }
  })

  it('400: the first bad field is named by its path, and nothing changes', async () => {
    const cases: Array<[SnapshotDoc | string, string, RegExp]> = [
      ['{"apiVersion":', '', /not valid JSON/],
      [bookinfoSnapshot({ apiVersion: 'meshdoh/v2' }), 'apiVersion', /meshdoh\/v1/],
      [bookinfoSnapshot({ kind: 'Other' }), 'kind', /RegistrySnapshot/],
      [bookinfoSnapshot({ cluster: 'west-1' }), 'cluster', /differs from the URL/],
      [bookinfoSnapshot({ revision: 0, ttl: 1e6 }), 'revision', /./],
      [bookinfoSnapshot({ revision: 2, generatedAt: 'yesterday' }), 'generatedAt', /RFC 3339/],
      [
        withService(bookinfoSnapshot({ revision: 2 }), 2, { clusterIPs: ['10.96.12.99', '10.96.300.1'] }),
        'services[2].clusterIPs[1]',
        /IP/,
      ],
      [withService(bookinfoSnapshot({ revision: 2 }), 4, { name: 'Bad_Name' }), 'services[4].name', /DNS label/],
      [
        withService(bookinfoSnapshot({ revision: 2 }), 0, { ports: [{ name: 'http', port: 70000 }] }),
        'services[0].ports[0].port',
        /./,
      ],
      [bookinfoSnapshot({ revision: 2, services: 'none' }), 'services', /./],
    ]
    for (const [doc, path, error] of cases) {
      const response = await putRaw(typeof doc === 'string' ? doc : JSON.stringify(doc), {})
      expect(response.status, path).toBe(400)
      const body = (await response.json()) as { error: string; path: string }
      expect(body.path, JSON.stringify(body)).toBe(path)
      expect(body.error).toMatch(error)
    }
    expect(await reviewsAnswer()).toEqual(['reviews.bookinfo.svc.cluster.local. 30 IN A 10.96.12.7'])
  })

  it('401: no token, a wrong token, or a token bound to another cluster', async () => {
    const doc = JSON.stringify(bookinfoSnapshot({ revision: 3 }))
    for (const authorization of [undefined, 'Bearer wrong', 'Basic dGVzdC10b2tlbg==']) {
      const headers: Record<string, string> = { 'Content-Type': 'application/json' }
      if (authorization) headers.Authorization = authorization
      const response = await SELF.fetch(`${BASE}/v1/snapshots/east-1`, { method: 'PUT', headers, body: doc })
      expect(response.status).toBe(401)
      expect(await response.text()).not.toContain('test-token')
    }
    const west = bookinfoSnapshot({ cluster: 'west-1' })
    expect((await push(west, { token: 'east-token' })).status).toBe(401)
    expect((await push(bookinfoSnapshot({ revision: 3 }), { token: 'east-token' })).status).toBe(200)
  })

  it('415: not JSON, or an unknown content encoding', async () => {
    expect((await putRaw('{}', { 'Content-Type': 'text/plain' })).status).toBe(415)
    expect((await putRaw('{}', { 'Content-Encoding': 'br' })).status).toBe(415)
  })

  it('accepts a gzip body, and rejects a corrupt one', async () => {
    const body = await gzip(
      JSON.stringify(withService(bookinfoSnapshot({ revision: 7 }), 2, { clusterIPs: ['10.96.12.77'] }))
    )
    const response = await putRaw(body, { 'Content-Encoding': 'gzip' })
    expect(response.status).toBe(200)
    expect(await reviewsAnswer()).toEqual(['reviews.bookinfo.svc.cluster.local. 30 IN A 10.96.12.77'])
    const corrupt = await putRaw(body.slice(0, 20), { 'Content-Encoding': 'gzip' })
    expect(corrupt.status).toBe(400)
  })

  it('DELETE removes a cluster; its names are gone and the default domain is SERVFAIL again', async () => {
    const unauthorized = await SELF.fetch(`${BASE}/v1/snapshots/east-1`, { method: 'DELETE' })
    expect(unauthorized.status).toBe(401)
    const response = await SELF.fetch(`${BASE}/v1/snapshots/east-1`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${TOKEN}` },
    })
    expect(response.status).toBe(200)
    expect(rcodeOf((await queryGet('reviews.bookinfo.svc.cluster.local', 'A')).message)).toBe('SERVFAIL')
    const again = await SELF.fetch(`${BASE}/v1/snapshots/east-1`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${TOKEN}` },
    })
    expect(again.status).toBe(404)
  })
})
