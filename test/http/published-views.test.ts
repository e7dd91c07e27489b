/**
 * Views declared in the cluster (docs/views.md): a snapshot's `views` hold SHA-256 digests of
 * view ids; the resolver serves `/v/<id>/…` for an id whose digest a held snapshot publishes,
 * bound to that snapshot's cluster, from the push that adds it until the push that drops it.
 * The publishing policy holds for them as for names; MESHDOH_VIEWS wins over them.
 */
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { snapshotDigest } from '../../src/registry/canonical.ts'
import { PublishedViews, viewIdSha256 } from '../../src/registry/published-views.ts'
import { sha256, toHex } from '../../src/registry/sha256.ts'
import { parseSnapshot } from '../../src/registry/validate.ts'
import { localApp } from '../helpers/app.ts'
import { base64url, decode, wireQuery } from '../helpers/dns.ts'

const VM_ID = 'kq3V2m1xT0cJ9bB4nH6yLw-vm-web-1'
const OTHER_ID = 'another-id-of-at-least-128-bits-xyz'
const sha = (id: string) => createHash('sha256').update(id).digest('hex')

const snapshot = (cluster: string, revision: number, body: Record<string, unknown> = {}) => ({
  apiVersion: 'meshdoh/v1',
  kind: 'RegistrySnapshot',
  cluster,
  revision,
  generatedAt: '2026-12-01T00:00:00Z',
  namespaces: ['bookinfo', 'vm'],
  services: [
    { name: 'reviews', namespace: 'bookinfo', clusterIPs: [cluster === 'east-1' ? '10.96.0.7' : '10.97.0.7'] },
    { name: 'private', namespace: 'bookinfo', clusterIPs: ['10.96.0.9'], exportTo: ['.'] },
  ],
  ...body,
})

const VM_VIEW = {
  idSha256: sha(VM_ID),
  namespace: 'bookinfo',
  search: ['bookinfo.svc.cluster.local', 'svc.cluster.local', 'cluster.local'],
}

function mesh(env: Record<string, string> = {}) {
  const local = localApp({
    MESHDOH_PUSH_TOKENS: 'east-1=tokA,west-2=tokB',
    MESHDOH_FRESHNESS_SECONDS: '0.001',
    ...env,
  })
  const push = (token: string, doc: { cluster: string }) =>
    local.app.request(`/v1/snapshots/${doc.cluster}`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(doc),
    })
  const ask = async (view: string, name: string) => {
    const reply = await local.app.request(`/v/${view}/resolve?name=${name}&type=A`)
    if (reply.status !== 200) return { http: reply.status, data: [] as string[] }
    const body = (await reply.json()) as { Status: number; Answer?: Array<{ data: string }> }
    return { http: 200, status: body.Status, data: (body.Answer ?? []).map((a) => a.data) }
  }
  return { ...local, push, ask }
}

describe('a view a snapshot publishes', () => {
  it('answers from the push that adds it, bound to the publishing cluster, and 404s after the push that drops it', async () => {
    const m = mesh()
    expect((await m.push('tokA', snapshot('east-1', 1))).status).toBe(200)
    expect((await m.ask(VM_ID, 'reviews.bookinfo.svc.cluster.local')).http).toBe(404)

    expect((await m.push('tokA', snapshot('east-1', 2, { views: [VM_VIEW] }))).status).toBe(200)
    // The short name through the search list (R16), and a name exported only to its own namespace.
    expect(await m.ask(VM_ID, 'reviews')).toMatchObject({ http: 200, data: ['10.96.0.7'] })
    expect(await m.ask(VM_ID, 'private.bookinfo.svc.cluster.local')).toMatchObject({ data: ['10.96.0.9'] })
    expect((await m.ask(OTHER_ID, 'reviews')).http).toBe(404)
    // Bound to east-1: west-2's ClusterIP of the same service is not what it gets.
    expect((await m.push('tokB', snapshot('west-2', 1))).status).toBe(200)
    expect(await m.ask(VM_ID, 'reviews.bookinfo.svc.cluster.local')).toMatchObject({ data: ['10.96.0.7'] })

    expect((await m.push('tokA', snapshot('east-1', 3))).status).toBe(200)
    const revoked = await m.app.request(`/v/${VM_ID}/resolve?name=reviews&type=A`)
    expect(revoked.status).toBe(404)
    // The id is a secret: the 404 does not echo it.
    expect(await revoked.text()).not.toContain(VM_ID)
  })

  it('is served by the wire fast path too, and dropped from it with the push', async () => {
    // A push invalidates this isolate's registry; the fast path serves only a registry that needs no refresh.
    const m = mesh({ MESHDOH_FRESHNESS_SECONDS: '60' })
    await m.push('tokA', snapshot('east-1', 1, { views: [VM_VIEW] }))
    await m.holder.current()
    const path = `/v/${VM_ID}/dns-query?dns=${base64url(wireQuery('reviews', 'A'))}`
    const fast = await m.fastPath(path, '127.0.0.1')
    expect(fast).toBeDefined()
    const answers = decode(fast!.body).answers ?? []
    expect(answers.map((a) => (a as { data?: unknown }).data)).toEqual(['10.96.0.7'])
    await m.push('tokA', snapshot('east-1', 2))
    await m.holder.current()
    // Unknown to the fast path: the app answers, with 404.
    expect(m.fastPath(path, '127.0.0.1')).toBeUndefined()
    expect((await m.app.request(path)).status).toBe(404)
  })

  it('MESHDOH_VIEWS wins where both name the same id', async () => {
    const m = mesh({ MESHDOH_VIEWS: JSON.stringify({ [VM_ID]: { namespace: 'vm', cluster: 'west-2' } }) })
    await m.push('tokA', snapshot('east-1', 1, { views: [VM_VIEW] }))
    await m.push('tokB', snapshot('west-2', 1))
    // The configured view, bound to west-2: west-2's ClusterIP, not east-1's.
    expect(await m.ask(VM_ID, 'reviews.bookinfo.svc.cluster.local')).toMatchObject({ data: ['10.97.0.7'] })
  })

  it('an id two clusters publish is served by neither', async () => {
    const m = mesh()
    await m.push('tokA', snapshot('east-1', 1, { views: [VM_VIEW] }))
    expect((await m.ask(VM_ID, 'reviews')).http).toBe(200)
    expect((await m.push('tokB', snapshot('west-2', 1, { views: [VM_VIEW] }))).status).toBe(200)
    expect((await m.ask(VM_ID, 'reviews')).http).toBe(404)
  })

  it('a delta adds and drops a view through `replace`, reaching the digest of the PUT it stands for', async () => {
    const m = mesh()
    const first = (await (await m.push('tokA', snapshot('east-1', 1))).json()) as { digest: string }
    const patch = async (base: number, revision: number, views: unknown[], expected: Record<string, unknown>) => {
      const parsed = parseSnapshot(snapshot('east-1', revision, expected))
      if (!parsed.ok) throw new Error(parsed.error)
      const reply = await m.app.request('/v1/snapshots/east-1', {
        method: 'PATCH',
        headers: { Authorization: 'Bearer tokA', 'Content-Type': 'application/json' },
        body: JSON.stringify({
          apiVersion: 'meshdoh/v1',
          kind: 'RegistryDelta',
          cluster: 'east-1',
          baseRevision: base,
          revision,
          generatedAt: '2026-12-01T00:00:00Z',
          replace: { views },
          digest: await snapshotDigest(parsed.snapshot),
        }),
      })
      return { status: reply.status, body: (await reply.json()) as { digest: string } }
    }
    const added = await patch(1, 2, [VM_VIEW], { views: [VM_VIEW] })
    expect(added.status).toBe(200)
    expect((await m.ask(VM_ID, 'reviews')).http).toBe(200)
    // An emptied list is a snapshot without views: the digest of the first push again.
    const dropped = await patch(2, 3, [], {})
    expect(dropped).toEqual({ status: 200, body: expect.objectContaining({ digest: first.digest }) })
    expect((await m.ask(VM_ID, 'reviews')).http).toBe(404)
  })
})

describe('what a cluster may publish as views', () => {
  it('refused (403): a view binding another cluster, or a namespace outside the policy', async () => {
    const m = mesh({ MESHDOH_PUSH_POLICY: JSON.stringify({ 'east-1': { namespaces: ['bookinfo', 'vm'] } }) })
    const other = await m.push('tokA', snapshot('east-1', 1, { views: [{ ...VM_VIEW, cluster: 'west-2' }] }))
    expect(other.status).toBe(403)
    expect(await other.json()).toEqual({
      error: 'a view published by cluster "east-1" may bind only that cluster',
      path: 'views[0].cluster',
    })
    const outside = await m.push('tokA', snapshot('east-1', 1, { views: [{ ...VM_VIEW, namespace: 'payments' }] }))
    expect(outside.status).toBe(403)
    expect(await outside.json()).toMatchObject({ path: 'views[0].namespace' })
    expect((await m.ask(VM_ID, 'reviews')).http).toBe(404)
    const own = await m.push('tokA', snapshot('east-1', 1, { views: [{ ...VM_VIEW, cluster: 'east-1' }] }))
    expect(own.status).toBe(200)
  })

  it('refused (400): an id that is not a SHA-256 digest, and one listed twice', async () => {
    const m = mesh()
    const plain = await m.push('tokA', snapshot('east-1', 1, { views: [{ ...VM_VIEW, idSha256: VM_ID }] }))
    expect(plain.status).toBe(400)
    expect(await plain.json()).toMatchObject({ path: 'views[0].idSha256' })
    const twice = await m.push('tokA', snapshot('east-1', 1, { views: [VM_VIEW, { ...VM_VIEW, namespace: 'vm' }] }))
    expect(twice.status).toBe(400)
    expect(await twice.json()).toMatchObject({ path: 'views[1].idSha256' })
  })

  it('a snapshot without views keeps the canonical form it had; an empty list reads as none', async () => {
    const without = parseSnapshot(snapshot('east-1', 1))
    const empty = parseSnapshot(snapshot('east-1', 1, { views: [] }))
    if (!without.ok || !empty.ok) throw new Error('fixture refused')
    expect('views' in without.snapshot && without.snapshot.views !== undefined).toBe(false)
    expect(await snapshotDigest(empty.snapshot)).toBe(await snapshotDigest(without.snapshot))
  })
})

describe('SHA-256', () => {
  it('matches node:crypto on the FIPS 180-2 vectors, on every length around the block edges, and on UTF-8', () => {
    expect(toHex(sha256(''))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    expect(toHex(sha256('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    for (let n = 0; n < 200; n++) {
      const text = 'x'.repeat(n)
      expect(toHex(sha256(text)), `length ${n}`).toBe(sha(text))
    }
    expect(toHex(sha256('vüé-ид-🙂'))).toBe(sha('vüé-ид-🙂'))
  })
})

describe('PublishedViews', () => {
  it('hashes the presented id with SHA-256 and finds only exact ids', () => {
    expect(viewIdSha256(VM_ID)).toBe(sha(VM_ID))
    const views = new PublishedViews([{ cluster: 'east-1', views: [VM_VIEW] }])
    expect(views.find(VM_ID)).toMatchObject({ id: VM_ID, cluster: 'east-1', namespace: 'bookinfo' })
    expect(views.find(VM_ID)).toBe(views.find(VM_ID))
    for (const wrong of ['', VM_ID.slice(0, -1), `${VM_ID}x`, VM_VIEW.idSha256])
      expect(views.find(wrong)).toBeUndefined()
  })
})
