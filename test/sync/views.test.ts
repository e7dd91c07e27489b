/**
 * Views declared in the cluster: ConfigMaps labelled meshdoh.dev/view=true become the
 * snapshot's `views`, hashes only; a ConfigMap applied is published with the next push, one
 * deleted is dropped with the next push; bad ones are left out and logged, the rest go on.
 */
import { createHash } from 'node:crypto'
import { afterEach, describe, expect, it, test } from 'vitest'
import type { V1ConfigMap } from '@kubernetes/client-node'
import type { Skipped } from '../../src/sync/build.ts'
import { toViewRecord, viewsOf } from '../../src/sync/views.ts'
import { startSync, waitFor } from './harness.ts'
import { FakeKubeApi } from './k8s-api.ts'
import type { KubeObject } from './k8s-store.ts'
import { namespace, service } from './k8s-objects.ts'
import { FakeResolver } from './resolver.ts'

const sha = (id: string) => createHash('sha256').update(id).digest('hex')

function viewMap(ns: string, name: string, data: Record<string, string>, labelled = true): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: ns, ...(labelled ? { labels: { 'meshdoh.dev/view': 'true' } } : {}) },
    data,
  }
}

const record = (ns: string, name: string, data: Record<string, string>) =>
  toViewRecord(viewMap(ns, name, data) as V1ConfigMap)

describe('a view ConfigMap', () => {
  it('defaults the namespace to its own; reads the search list split by spaces or commas', () => {
    expect(record('bookinfo', 'vm-1', { idSha256: sha('a').toUpperCase() }).view).toEqual({
      idSha256: sha('a'),
      namespace: 'bookinfo',
    })
    const full = record('bookinfo', 'vm-1', {
      idSha256: sha('a'),
      namespace: 'vm',
      cluster: 'east-1',
      search: 'vm.svc.cluster.local svc.cluster.local,cluster.local',
      autoAllocatedVIPs: 'false',
    })
    expect(full.view).toEqual({
      idSha256: sha('a'),
      namespace: 'vm',
      cluster: 'east-1',
      search: ['vm.svc.cluster.local', 'svc.cluster.local', 'cluster.local'],
      autoAllocatedVIPs: false,
    })
  })

  it('is left out with the field that is wrong: an unknown key, a plain id, a bad boolean, a bad name', () => {
    const problem = (data: Record<string, string>) => record('bookinfo', 'vm-1', data).problem
    expect(problem({ idSha256: sha('a'), namepsace: 'vm' })).toMatchObject({ path: 'data.namepsace' })
    expect(problem({ idSha256: 'the-id-itself' })).toMatchObject({ path: 'data.idSha256' })
    expect(problem({ idSha256: sha('a'), autoAllocatedVIPs: 'maybe' })).toMatchObject({
      path: 'data.autoAllocatedVIPs',
    })
    expect(problem({ idSha256: sha('a'), search: 'bad_name!' })).toMatchObject({ path: 'data.search.0' })
  })

  it('views of a cluster: sorted by digest; another cluster named, or a digest taken, is skipped', () => {
    const skipped: Skipped[] = []
    const views = viewsOf(
      [
        record('b', 'second', { idSha256: sha('x') }),
        record('a', 'first', { idSha256: sha('x') }),
        record('a', 'z', { idSha256: sha('y') }),
        record('a', 'west', { idSha256: sha('w'), cluster: 'west-2' }),
        record('a', 'bad', { idSha256: 'nope' }),
      ],
      'east-1',
      skipped
    )
    expect(views.map((v) => v.idSha256)).toEqual([sha('x'), sha('y')].sort())
    expect(views.find((v) => v.idSha256 === sha('x'))?.namespace).toBe('a')
    expect(skipped.map((s) => `${s.kind} ${s.namespace}/${s.name} ${s.path}`).sort()).toEqual([
      'ConfigMap a/bad data.idSha256',
      'ConfigMap a/west data.cluster',
      'ConfigMap b/second data.idSha256',
    ])
  })
})

let stops: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const stop of stops.reverse()) await stop()
  stops = []
})

test('the job publishes a view applied to the cluster with the next push, and drops it when deleted', async () => {
  const api = await FakeKubeApi.start()
  stops.push(() => api.close())
  api.apply('namespaces', namespace('bookinfo'))
  api.apply('services', service('bookinfo', 'reviews', { clusterIPs: ['10.96.0.7'] }))
  // Unlabelled: not a view, never read.
  api.apply('configmaps', viewMap('bookinfo', 'settings', { idSha256: sha('unlabelled') }, false))
  const r = await FakeResolver.start()
  stops.push(() => r.close())
  const job = await startSync(api, [r.url])
  stops.push(() => job.stop())
  await waitFor(() => r.accepted('east-1'), 5000, 'the first snapshot')
  expect(r.accepted('east-1')!.views).toBeUndefined()
  const request = api.requests.find((q) => q.path === '/api/v1/configmaps')
  expect(request?.query.get('labelSelector')).toBe('meshdoh.dev/view=true')

  api.apply(
    'configmaps',
    viewMap('bookinfo', 'vm-web-1', { idSha256: sha('id-1'), search: 'bookinfo.svc.cluster.local' })
  )
  await waitFor(() => r.accepted('east-1')?.views?.length === 1, 3000, 'the view published')
  expect(r.accepted('east-1')!.views).toEqual([
    { idSha256: sha('id-1'), namespace: 'bookinfo', search: ['bookinfo.svc.cluster.local'] },
  ])
  const pushed = JSON.stringify(r.puts.at(-1)!.body)
  expect(pushed).not.toContain('id-1"')

  // A bad one is left out and logged; the good one stays.
  api.apply('configmaps', viewMap('bookinfo', 'vm-typo', { idSha256: sha('id-2'), namepsace: 'vm' }))
  await waitFor(
    () => job.logs.records.some((l) => l['msg'] === 'object left out of the snapshot' && l['name'] === 'vm-typo'),
    3000,
    'the bad view logged'
  )
  expect(r.accepted('east-1')!.views).toHaveLength(1)

  api.delete('configmaps', 'bookinfo', 'vm-web-1')
  await waitFor(() => r.accepted('east-1')?.views === undefined, 3000, 'the view dropped')
})

test('without the grant to read ConfigMaps the job publishes no views and says what to grant', async () => {
  const api = await FakeKubeApi.start()
  stops.push(() => api.close())
  api.apply('namespaces', namespace('bookinfo'))
  api.forbid('configmaps')
  const r = await FakeResolver.start()
  stops.push(() => r.close())
  const job = await startSync(api, [r.url])
  stops.push(() => job.stop())
  await waitFor(() => r.accepted('east-1'), 5000, 'the first snapshot')
  expect(r.accepted('east-1')!.views).toBeUndefined()
  const warn = job.logs.records.find((l) => l['source'] === 'views' && l['reason'] === 'forbidden')
  expect(String(warn?.['msg'])).toContain('grant get/list/watch on configmaps')
})
