/**
 * Seeded fuzzing of the push endpoint: mutated snapshots, hostile JSON shapes and sizes.
 * Never a 5xx; a rejected document is never stored and the answers never change.
 */
import { describe, expect, it } from 'vitest'
import { bookinfoSnapshot, type SnapshotDoc } from '../helpers/fixtures.ts'
import { TOKEN, localApp } from '../helpers/app.ts'
import { seeded } from '../helpers/random.ts'
import { mutate, type Json } from '../helpers/json-mutate.ts'
import { parseSnapshot } from '../../src/registry/validate.ts'

const MUTATIONS = Number(process.env.MESHDOH_PUSH_FUZZ ?? 3000)
const DELTA_MUTATIONS = Number(process.env.MESHDOH_PUSH_FUZZ ?? 3000) / 3

function patch(app: ReturnType<typeof localApp>['app'], body: string) {
  return app.request('/v1/snapshots/east-1', {
    method: 'PATCH',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body,
  })
}

function put(app: ReturnType<typeof localApp>['app'], body: string) {
  return app.request('/v1/snapshots/east-1', {
    method: 'PUT',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body,
  })
}

async function reviews(app: ReturnType<typeof localApp>['app']): Promise<unknown> {
  return (await (await app.request('/resolve?name=reviews.bookinfo.svc.cluster.local')).json()) as unknown
}

// As a Workers isolate validates (every push whole), and as the Node server does: keeping the
// last validated push and revalidating only the elements that differ from it (revalidate.ts).
const HOLDERS: Array<[string, boolean]> = [
  ['validating every push whole', false],
  ['revalidating against the last push', true],
]

describe('push fuzzing (seeded)', () => {
  it.each(HOLDERS)(
    `rejects or stores ${MUTATIONS} mutated snapshots without a 5xx or a partial change, %s`,
    { timeout: 120_000 },
    async (_, keepParsed) => {
      const { app, store } = localApp({}, {}, keepParsed)
      const base = bookinfoSnapshot() as Json
      expect((await put(app, JSON.stringify(base))).status).toBe(200)
      const random = seeded(0xf022)
      let revision = 1
      let answer = await reviews(app)
      const statuses = new Map<number, number>()
      for (let i = 0; i < MUTATIONS; i++) {
        const doc = mutate(random, { ...(base as SnapshotDoc), revision: revision + 1 } as Json)
        const response = await put(app, JSON.stringify(doc))
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1)
        expect(response.status, JSON.stringify(doc).slice(0, 300)).toBeLessThan(500)
        if (response.status === 200) {
          revision += 1
          answer = await reviews(app)
        } else {
          expect(response.status).toBeOneOf([400, 409])
          const body = (await response.json()) as { error: string; path?: string }
          expect(typeof body.error).toBe('string')
          expect((await store.list())[0]!.revision).toBe(revision)
          expect(await reviews(app)).toEqual(answer)
        }
      }
      expect(statuses.get(400)).toBeGreaterThan(MUTATIONS / 4)
    }
  )

  it.each(HOLDERS)(
    `rejects or applies ${DELTA_MUTATIONS} mutated deltas without a 5xx or an invalid snapshot stored, %s`,
    { timeout: 120_000 },
    async (_, keepParsed) => {
      const { app, store } = localApp({}, {}, keepParsed)
      expect((await put(app, JSON.stringify(bookinfoSnapshot()))).status).toBe(200)
      const random = seeded(0xde1)
      const statuses = new Map<number, number>()
      for (let i = 0; i < DELTA_MUTATIONS; i++) {
        const held = (await store.list())[0]!.revision
        const valid = {
          apiVersion: 'meshdoh/v1',
          kind: 'RegistryDelta',
          cluster: 'east-1',
          baseRevision: held,
          revision: held + 1,
          generatedAt: '2026-11-29T19:00:00Z',
          set: {
            services: [{ name: 'ratings', namespace: 'bookinfo', clusterIPs: ['10.96.3.9'] }],
            serviceEntries: [],
          },
          remove: { services: [{ namespace: 'bookinfo', name: 'gone' }], serviceEntries: [] },
          replace: { ttl: 20 },
          digest: `sha256:${'a'.repeat(64)}`,
        }
        const doc = mutate(random, valid as unknown as Json)
        const response = await patch(app, JSON.stringify(doc))
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1)
        expect(response.status, JSON.stringify(doc).slice(0, 300)).toBeLessThan(500)
        if (response.status === 200) throw new Error('a guessed digest can only match by chance')
        expect(response.status).toBeOneOf([400, 409, 412])
        expect(typeof ((await response.json()) as { error: string }).error).toBe('string')
        const stored = await store.held('east-1')
        expect(stored!.revision).toBe(held)
        expect(parseSnapshot(JSON.parse(stored!.document)).ok).toBe(true)
      }
      // The mutations reach every stage: the delta's shape, the base, and the digest check.
      expect(statuses.get(400)).toBeGreaterThan(DELTA_MUTATIONS / 4)
      expect(statuses.get(412)).toBeGreaterThan(0)
    }
  )

  it('answers 400, not a crash, for deep nesting, duplicate keys and huge arrays', async () => {
    const { app } = localApp()
    const deep = '['.repeat(200_000) + ']'.repeat(200_000)
    expect((await put(app, deep)).status).toBe(400)
    const deepField = JSON.stringify(bookinfoSnapshot()).replace(
      '"ttl":30',
      `"ttl":30,"extra":${'['.repeat(5000)}${']'.repeat(5000)}`
    )
    expect((await put(app, deepField)).status).toBe(200)
    const duplicate = JSON.stringify(bookinfoSnapshot({ revision: 2 })).replace(
      '"revision":2',
      '"revision":"two","revision":2'
    )
    expect((await put(app, duplicate)).status).toBe(200)
    const hugeArray = JSON.stringify(bookinfoSnapshot({ revision: 3, services: Array(500_000).fill(7) }))
    const response = await put(app, hugeArray)
    expect(response.status).toBe(400)
    expect(((await response.json()) as { path: string }).path).toBe('services[0]')
  })

  it('accepts close to 16 MiB of names, and 413 just past it', { timeout: 120_000 }, async () => {
    const { app } = localApp()
    const services = Array.from({ length: 110_000 }, (_, i) => ({
      name: `svc-${i.toString(36)}-${'x'.repeat(25)}`,
      namespace: `ns-${i % 500}`,
      clusterIPs: [`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`],
      ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
    }))
    const body = JSON.stringify(bookinfoSnapshot({ services }))
    expect(body.length).toBeGreaterThan(14 * 1024 * 1024)
    expect(body.length).toBeLessThan(16 * 1024 * 1024)
    expect((await put(app, body)).status).toBe(200)
    const found = (await (
      await app.request(`/resolve?name=${services[99_999]!.name}.ns-499.svc.cluster.local`)
    ).json()) as { Answer: unknown[] }
    expect(found.Answer).toHaveLength(1)
    const over = JSON.stringify(
      bookinfoSnapshot({ revision: 2, services: [...services, ...services.slice(0, 10_000)] })
    )
    expect(over.length).toBeGreaterThan(16 * 1024 * 1024)
    expect((await put(app, over)).status).toBe(413)
  })
})
