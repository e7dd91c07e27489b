/**
 * Delta pushes (docs/delta-pushes.md) through the Worker and its Durable Object, in workerd: a
 * delta reaches exactly the snapshot a PUT of the resulting document would have stored, and
 * is refused exactly where that PUT would be; a rejected delta changes nothing.
 */
import { SELF } from 'cloudflare:test'
import { beforeEach, describe, expect, it } from 'vitest'
import { snapshotDigest } from '../../src/registry/canonical.ts'
import type { Snapshot } from '../../src/registry/schema.ts'
import { parseSnapshot } from '../../src/registry/validate.ts'
import { rcodeOf, zoneLines } from '../helpers/dns.ts'
import { bookinfoSnapshot, type SnapshotDoc } from '../helpers/fixtures.ts'
import { int, pick, seeded } from '../helpers/random.ts'
import { BASE, TOKEN, clear, push, queryGet } from '../helpers/worker.ts'

type Named = { namespace: string; name: string }

function validated(doc: SnapshotDoc): Snapshot {
  const parsed = parseSnapshot(structuredClone(doc))
  if (!parsed.ok) throw new Error(`${parsed.path}: ${parsed.error}`)
  return parsed.snapshot
}

/** The whole document a delta should produce: what a job would have PUT instead. */
function applied(doc: SnapshotDoc, delta: DeltaBody): SnapshotDoc {
  const out: SnapshotDoc = { ...structuredClone(doc), ...delta.replace, revision: delta.revision }
  out.generatedAt = delta.generatedAt
  for (const list of ['services', 'serviceEntries'] as const) {
    const key = (n: Named) => `${n.namespace}/${n.name}`
    const removed = new Set((delta.remove?.[list] ?? []).map(key))
    const set = new Map((delta.set?.[list] ?? []).map((e) => [key(e as Named), e]))
    const next: unknown[] = []
    for (const element of (out[list] ?? []) as Named[]) {
      if (removed.has(key(element))) continue
      next.push(set.get(key(element)) ?? element)
      set.delete(key(element))
    }
    out[list] = [...next, ...set.values()]
  }
  return out
}

interface DeltaBody {
  apiVersion: string
  kind: string
  cluster: string
  baseRevision: number
  revision: number
  generatedAt: string
  set?: { services?: unknown[]; serviceEntries?: unknown[] }
  remove?: { services?: Named[]; serviceEntries?: Named[] }
  replace?: Record<string, unknown>
  digest: string
}

async function deltaOf(base: SnapshotDoc, change: Partial<DeltaBody>): Promise<DeltaBody> {
  const draft: DeltaBody = {
    apiVersion: 'meshdoh/v1',
    kind: 'RegistryDelta',
    cluster: String(base.cluster),
    baseRevision: Number(base.revision),
    revision: Number(base.revision) + 1,
    generatedAt: '2026-11-29T19:00:00Z',
    digest: '',
    ...change,
  }
  draft.digest = change.digest ?? (await snapshotDigest(validated(applied(base, draft))))
  return draft
}

function patch(body: unknown, headers: Record<string, string> = {}, cluster = 'east-1') {
  return SELF.fetch(`${BASE}/v1/snapshots/${cluster}`, {
    method: 'PATCH',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

async function list(): Promise<unknown> {
  return (await SELF.fetch(`${BASE}/v1/snapshots`, { headers: { Authorization: `Bearer ${TOKEN}` } })).json()
}

const answer = async (name: string, type = 'A') => zoneLines((await queryGet(name, type)).message.answers)

describe('PATCH /v1/snapshots/{cluster}', () => {
  const base = bookinfoSnapshot()

  beforeEach(async () => {
    await clear()
    const response = await push(base)
    expect(response.status).toBe(200)
    expect(((await response.json()) as { digest: string }).digest).toBe(await snapshotDigest(validated(base)))
  })

  it('200: set, remove and replace land as the resulting PUT would, with its digest', async () => {
    const delta = await deltaOf(base, {
      set: {
        services: [
          { name: 'ratings', namespace: 'bookinfo', clusterIPs: ['10.96.3.99'], ports: [] },
          { name: 'added', namespace: 'bookinfo', clusterIPs: ['10.96.7.7'] },
        ],
      },
      remove: { services: [{ namespace: 'bookinfo', name: 'details' }] },
      replace: { ttl: 12 },
    })
    const response = await patch(delta)
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ cluster: 'east-1', revision: 2, digest: delta.digest })
    expect(await answer('ratings.bookinfo.svc.cluster.local')).toEqual([
      'ratings.bookinfo.svc.cluster.local. 12 IN A 10.96.3.99',
    ])
    expect(await answer('added.bookinfo.svc.cluster.local')).toEqual([
      'added.bookinfo.svc.cluster.local. 12 IN A 10.96.7.7',
    ])
    expect(rcodeOf((await queryGet('details.bookinfo.svc.cluster.local', 'A')).message)).toBe('NXDOMAIN')
    // The next delta builds on the first.
    const next = applied(base, delta)
    const second = await deltaOf(next, { remove: { services: [{ namespace: 'bookinfo', name: 'added' }] } })
    expect((await patch(second)).status).toBe(200)
    expect(rcodeOf((await queryGet('added.bookinfo.svc.cluster.local', 'A')).message)).toBe('NXDOMAIN')
  })

  it('200 again, same body, for the same delta pushed twice; gzip works as for PUT', async () => {
    const delta = await deltaOf(base, { replace: { ttl: 7 } })
    const gz = new Uint8Array(
      await new Response(
        new Blob([JSON.stringify(delta)]).stream().pipeThrough(new CompressionStream('gzip'))
      ).arrayBuffer()
    )
    const first = await patch(JSON.stringify(delta))
    const again = await SELF.fetch(`${BASE}/v1/snapshots/east-1`, {
      method: 'PATCH',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
      body: gz,
    })
    expect(first.status).toBe(200)
    expect(again.status).toBe(200)
    expect(await again.json()).toEqual(await first.json())
  })

  it('409: a wrong base, no snapshot held, or a revision not newer; nothing changes', async () => {
    const before = await list()
    expect(await (await patch(await deltaOf(base, { baseRevision: 5, revision: 6 }))).json()).toMatchObject({
      current: 1,
    })
    expect((await patch(await deltaOf(base, { baseRevision: 1, revision: 1 }))).status).toBe(409)
    const elsewhere = await deltaOf({ ...base, cluster: 'west-1' }, {})
    const response = await patch(elsewhere, {}, 'west-1')
    expect(response.status).toBe(409)
    expect(await response.json()).toMatchObject({ current: 0 })
    expect(await list()).toEqual(before)
  })

  it("412: the resulting snapshot's digest differs; the resolver's digest is in the body", async () => {
    const delta = await deltaOf(base, { replace: { ttl: 9 }, digest: `sha256:${'0'.repeat(64)}` })
    const response = await patch(delta)
    expect(response.status).toBe(412)
    const expected = await snapshotDigest(validated(applied(base, delta)))
    expect(await response.json()).toMatchObject({ digest: expected })
    expect(await answer('reviews.bookinfo.svc.cluster.local', 'A')).not.toContainEqual(expect.stringContaining(' 9 IN'))
  })

  it('400 with a path into the delta: a bad element, a name twice, a bad replace, a made-invalid result', async () => {
    const before = await list()
    const cases: Array<[Partial<DeltaBody>, string]> = [
      [
        { set: { services: [{ name: 'x', namespace: 'bookinfo', clusterIPs: ['10.0.0.1', 'nope'] }] } },
        'set.services[0].clusterIPs[1]',
      ],
      [
        {
          set: { services: [{ name: 'x', namespace: 'bookinfo' }] },
          remove: { services: [{ namespace: 'bookinfo', name: 'x' }] },
        },
        'remove.services[0]',
      ],
      [
        {
          set: {
            services: [
              { name: 'x', namespace: 'bookinfo' },
              { name: 'x', namespace: 'bookinfo' },
            ],
          },
        },
        'set.services[1]',
      ],
      [{ replace: { ttl: -1 } }, 'replace.ttl'],
      [{ replace: { cluster: 'west-1' } }, 'replace'],
      [{ replace: { clusterDomain: 'not a name' } }, 'replace.clusterDomain'],
    ]
    for (const [change, path] of cases) {
      const delta = { ...(await deltaOf(base, { ...change, digest: `sha256:${'1'.repeat(64)}` })) }
      const response = await patch(delta)
      expect(response.status, path).toBe(400)
      expect(((await response.json()) as { path: string }).path).toBe(path)
    }
    expect((await patch({ ...(await deltaOf(base, {})), kind: 'RegistrySnapshot' })).status).toBe(400)
    expect(await list()).toEqual(before)
  })

  it('401 without the token, 415 without JSON, 405 lists PATCH', async () => {
    const delta = await deltaOf(base, {})
    // east-1's own token cannot patch another cluster.
    await push({ ...base, cluster: 'west-1' })
    const west = await deltaOf({ ...base, cluster: 'west-1' }, { replace: { ttl: 3 } })
    const foreign = await patch(west, { Authorization: 'Bearer east-token' }, 'west-1')
    expect(foreign.status).toBe(401)
    expect((await patch(west, {}, 'west-1')).status).toBe(200)
    expect((await patch(delta, { Authorization: 'Bearer wrong' })).status).toBe(401)
    expect((await patch(delta, { 'Content-Type': 'text/plain' })).status).toBe(415)
    const other = await SELF.fetch(`${BASE}/v1/snapshots/east-1`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}` },
    })
    expect(other.status).toBe(405)
    expect(other.headers.get('allow')).toContain('PATCH')
  })

  it('seeded deltas reach what PUTs of their results reach, answer for answer', async () => {
    const random = seeded(0xde17a)
    let held = base
    const names = ['productpage', 'reviews', 'ratings', 'details', 'n1', 'n2', 'n3']
    for (let i = 0; i < 25; i++) {
      const services: unknown[] = []
      const remove: Named[] = []
      const used = new Set<string>()
      for (let k = 0; k < 1 + int(random, 3); k++) {
        const name = pick(random, names)
        if (used.has(name)) continue
        used.add(name)
        if (int(random, 3) === 0) remove.push({ namespace: 'bookinfo', name })
        else
          services.push({
            name,
            namespace: 'bookinfo',
            clusterIPs: [`10.96.${int(random, 200)}.${1 + int(random, 250)}`],
          })
      }
      const delta = await deltaOf(held, {
        set: { services },
        remove: { services: remove },
        replace: { ttl: 5 + int(random, 50) },
      })
      expect((await patch(delta)).status).toBe(200)
      held = applied(held, delta)
      for (const name of names) {
        const got = await answer(`${name}.bookinfo.svc.cluster.local`)
        const service = (held.services as Array<Named & { clusterIPs?: string[] }>).find((s) => s.name === name)
        const ttl = Number(held.ttl)
        expect(got, `${name} after delta ${i}`).toEqual(
          (service?.clusterIPs ?? [])
            .filter((ip) => !ip.includes(':'))
            .map((ip) => `${name}.bookinfo.svc.cluster.local. ${ttl} IN A ${ip}`)
        )
      }
    }
    // And the held snapshot is, field for field, the one the deltas describe: an empty delta
    // naming the digest of that document is accepted.
    expect((await patch(await deltaOf(held, {}))).status).toBe(200)
  })
})
