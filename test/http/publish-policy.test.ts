/**
 * What one cluster's token may publish, and whom it reaches: the attack of a leaked west-2
 * token against east-1's VMs (a ServiceEntry host, a Service exported wider than east-1's,
 * a wildcard, a PTR), the 403 of a push outside the policy, and what views bound to no
 * cluster answer when two clusters publish the same name.
 */
import { describe, expect, it } from 'vitest'
import { checkPublishable, hostMatches, namespaceMatches } from '../../src/registry/publish-policy.ts'
import { parseSettings, SettingsError } from '../../src/runtime/settings.ts'
import { localApp } from '../helpers/app.ts'

const VIEWS = {
  'vm-view': { namespace: 'vm', cluster: 'east-1' },
  'east-bookinfo': { namespace: 'bookinfo', cluster: 'east-1' },
  'west-bookinfo': { namespace: 'bookinfo', cluster: 'west-2' },
  'no-cluster': { namespace: 'bookinfo' },
}

const snapshot = (cluster: string, body: Record<string, unknown>) => ({
  apiVersion: 'meshdoh/v1',
  kind: 'RegistrySnapshot',
  cluster,
  revision: 1,
  generatedAt: '2026-12-01T00:00:00Z',
  ...body,
})

const EAST = snapshot('east-1', {
  serviceCIDRs: ['10.96.0.0/16'],
  services: [
    { name: 'private', namespace: 'bookinfo', clusterIPs: ['10.96.0.9'], exportTo: ['.'] },
    { name: 'reviews', namespace: 'bookinfo', clusterIPs: ['10.96.0.7'] },
  ],
  serviceEntries: [
    { name: 'db', namespace: 'vm', hosts: ['db.vm.internal'], addresses: ['10.200.0.1'], exportTo: ['vm'] },
  ],
})

const WEST = snapshot('west-2', {
  services: [
    { name: 'private', namespace: 'bookinfo', clusterIPs: ['6.6.6.6'], exportTo: ['*'] },
    { name: 'reviews', namespace: 'bookinfo', clusterIPs: ['10.97.0.7'] },
    { name: 'west-only', namespace: 'bookinfo', clusterIPs: ['10.97.0.8'] },
  ],
  serviceEntries: [
    { name: 'evil', namespace: 'vm', hosts: ['db.vm.internal', '*.example.com'], addresses: ['6.6.6.6'] },
  ],
})

function mesh(policy?: Record<string, unknown>) {
  const local = localApp({
    MESHDOH_PUSH_TOKENS: 'east-1=tokA,west-2=tokB',
    MESHDOH_VIEWS: JSON.stringify(VIEWS),
    MESHDOH_FRESHNESS_SECONDS: '0.001',
    ...(policy ? { MESHDOH_PUSH_POLICY: JSON.stringify(policy) } : {}),
  })
  const push = (token: string, doc: { cluster: string; [key: string]: unknown }) =>
    local.app.request(`/v1/snapshots/${doc.cluster}`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(doc),
    })
  const ask = async (view: string | undefined, name: string, type = 'A') => {
    const path = view === undefined ? '/resolve' : `/v/${view}/resolve`
    const reply = await local.app.request(`${path}?name=${name}&type=${type}`)
    const body = (await reply.json()) as { Status: number; Answer?: Array<{ data: string }> }
    return { status: body.Status, data: (body.Answer ?? []).map((a) => a.data) }
  }
  return { ...local, push, ask }
}

describe('confinement: a cluster with its own token reaches only views bound to it', () => {
  it('refused: west-2 changes no answer of a view bound to east-1, nor of the anonymous view', async () => {
    const m = mesh()
    expect((await m.push('tokA', EAST)).status).toBe(200)
    expect((await m.push('tokB', WEST)).status).toBe(200)
    for (const view of ['vm-view', 'east-bookinfo', undefined]) {
      for (const name of ['db.vm.internal', 'private.bookinfo.svc.cluster.local', 'www.example.com']) {
        expect((await m.ask(view, name)).data).not.toContain('6.6.6.6')
      }
      expect((await m.ask(view, '6.6.6.6.in-addr.arpa', 'PTR')).data).toEqual([])
      expect((await m.ask(view, 'west-only.bookinfo.svc.cluster.local')).data).toEqual([])
    }
    expect((await m.ask('vm-view', 'db.vm.internal')).data).toEqual(['10.200.0.1'])
    expect((await m.ask('east-bookinfo', 'private.bookinfo.svc.cluster.local')).data).toEqual(['10.96.0.9'])
    expect((await m.ask(undefined, 'private.bookinfo.svc.cluster.local')).status).toBe(3)
    // west-2's own VMs get what west-2 published.
    expect((await m.ask('west-bookinfo', 'private.bookinfo.svc.cluster.local')).data).toEqual(['6.6.6.6'])
    expect((await m.ask('west-bookinfo', 'www.example.com')).data).toEqual(['6.6.6.6'])
  })

  it('success: sameness declares a namespace one across the mesh, and R17 applies to it again', async () => {
    const m = mesh({ 'west-2': { sameness: ['bookinfo'] }, 'east-1': { sameness: ['bookinfo'] } })
    await m.push('tokA', EAST)
    await m.push('tokB', WEST)
    // R17.2: east-1's VM asks for a service only west-2 has: west-2's answer.
    expect((await m.ask('east-bookinfo', 'west-only.bookinfo.svc.cluster.local')).data).toEqual(['10.97.0.8'])
    // R17.1: the view cluster's ClusterIP wins where both have it.
    expect((await m.ask('east-bookinfo', 'reviews.bookinfo.svc.cluster.local')).data).toEqual(['10.96.0.7'])
    // The vm namespace is not declared the same: west-2's entry still reaches nobody outside west-2.
    expect((await m.ask('vm-view', 'db.vm.internal')).data).toEqual(['10.200.0.1'])
    expect((await m.ask(undefined, 'www.example.com')).data).toEqual([])
  })

  it('success: views bound to no cluster take the first cluster by name among those they may hear (R17.2)', async () => {
    const m = mesh({ 'west-2': { sameness: ['bookinfo'] }, 'east-1': { sameness: ['bookinfo'] } })
    await m.push('tokA', EAST)
    await m.push('tokB', WEST)
    expect((await m.ask('no-cluster', 'reviews.bookinfo.svc.cluster.local')).data).toEqual(['10.96.0.7'])
    expect((await m.ask(undefined, 'reviews.bookinfo.svc.cluster.local')).data).toEqual(['10.96.0.7'])
    // Exported to "*" by west-2 in a namespace declared the same: the anonymous view sees it.
    expect((await m.ask(undefined, 'private.bookinfo.svc.cluster.local')).data).toEqual(['6.6.6.6'])
  })
})

describe('publishing policy: a push outside it is refused whole', () => {
  it('refused: 403 with the path of the first offending element; nothing changes', async () => {
    const m = mesh({ 'west-2': { namespaces: ['bookinfo'], hosts: ['*.west.internal'] } })
    expect((await m.push('tokA', EAST)).status).toBe(200)
    const refused = await m.push('tokB', WEST)
    expect(refused.status).toBe(403)
    expect(await refused.json()).toEqual({
      error: 'namespace "vm" is outside what this cluster may publish',
      path: 'serviceEntries[0].namespace',
    })
    const hosts = await m.push('tokB', {
      ...WEST,
      serviceEntries: [{ name: 'ok', namespace: 'bookinfo', hosts: ['a.west.internal', 'db.vm.internal'] }],
    })
    expect(hosts.status).toBe(403)
    expect(await hosts.json()).toMatchObject({ path: 'serviceEntries[0].hosts[1]' })
    const list = (await (
      await m.app.request('/v1/snapshots', { headers: { Authorization: 'Bearer tokA' } })
    ).json()) as unknown[]
    expect(list).toHaveLength(1)
    const allowed = await m.push('tokB', {
      ...WEST,
      serviceEntries: [{ name: 'ok', namespace: 'bookinfo', hosts: ['a.west.internal', '*.b.west.internal'] }],
    })
    expect(allowed.status).toBe(200)
  })

  it('patterns: namespace prefixes and host suffixes', () => {
    expect(namespaceMatches('team-*', 'team-a')).toBe(true)
    expect(namespaceMatches('team-*', 'teams')).toBe(false)
    expect(namespaceMatches('*', 'anything')).toBe(true)
    expect(hostMatches('*.example.com', 'a.b.example.com')).toBe(true)
    expect(hostMatches('*.example.com', '*.example.com')).toBe(true)
    expect(hostMatches('*.example.com', 'example.com')).toBe(false)
    expect(hostMatches('*.example.com', 'badexample.com')).toBe(false)
    expect(hostMatches('DB.internal.', 'db.internal')).toBe(true)
    const doc = { services: [], serviceEntries: [], namespaces: ['kube-system'] }
    expect(checkPublishable(doc as never, { namespaces: ['team-*'], hosts: ['*'], sameness: [] })).toEqual({
      error: 'namespace "kube-system" is outside what this cluster may publish',
      path: 'namespaces[0]',
    })
  })

  it('refused at start: a policy with an unknown key or a bad pattern names it', () => {
    const parse = (policy: unknown) => () => parseSettings({ MESHDOH_PUSH_POLICY: JSON.stringify(policy) })
    expect(parse({ 'west-2': { namespace: ['a'] } })).toThrow(SettingsError)
    expect(parse({ 'west-2': { namespace: ['a'] } })).toThrow(/west-2: Unrecognized key.*"namespace"/)
    expect(parse({ West_2: {} })).toThrow(/MESHDOH_PUSH_POLICY/)
    expect(parse({ 'west-2': { hosts: ['a..b'] } })).toThrow(/hosts/)
  })
})
