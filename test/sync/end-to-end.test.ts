/**
 * The sync job against the real resolver app (src/http/app.ts on @hono/node-server): a Service
 * created on the fake API server answers through /resolve, a deleted one becomes NXDOMAIN,
 * each within a second; a resolver that goes away and comes back catches up. After the first
 * whole snapshot, changes travel as deltas (PATCH) and the app's digest agrees with the job's.
 */
import type { AddressInfo } from 'node:net'
import { serve, type ServerType } from '@hono/node-server'
import { afterEach, beforeEach, expect, test } from 'vitest'
import { createApp } from '../../src/http/app.ts'
import { parseSettings } from '../../src/runtime/settings.ts'
import { MemoryStore } from '../../src/store/memory.ts'
import { startSync, waitFor, type Running } from './harness.ts'
import { FakeKubeApi } from './k8s-api.ts'
import { namespace, service } from './k8s-objects.ts'

interface DnsJson {
  Status: number
  Answer?: { name: string; type: number; TTL: number; data: string }[]
}

const app = () => createApp({ store, settings: parseSettings({ MESHDOH_PUSH_TOKENS: 'tok' }) })
let store: MemoryStore
/** Every push that reached the app: method, status, request bytes and answer. */
let pushes: { method: string; status: number; bytes: number; answer: Record<string, unknown> }[]
let server: ServerType | undefined
let url: string
let api: FakeKubeApi
let job: Running

function listen(port = 0): Promise<number> {
  return new Promise((resolve) => {
    const { fetch } = app()
    const recording = async (req: Request): Promise<Response> => {
      if (req.method !== 'PUT' && req.method !== 'PATCH') return fetch(req)
      const body = await req.arrayBuffer()
      const res = await fetch(new Request(req, { body }))
      const answer = (await res.clone().json()) as Record<string, unknown>
      pushes.push({ method: req.method, status: res.status, bytes: body.byteLength, answer })
      return res
    }
    server = serve({ fetch: recording, port, hostname: '127.0.0.1' }, (info: AddressInfo) => resolve(info.port))
  })
}

async function shutdown(): Promise<void> {
  const s = server as (ServerType & { closeAllConnections?: () => void }) | undefined
  server = undefined
  s?.closeAllConnections?.()
  await new Promise<void>((resolve) => (s ? s.close(() => resolve()) : resolve()))
}

async function resolve(name: string): Promise<DnsJson> {
  const res = await fetch(`${url}/resolve?name=${name}&type=A`)
  return (await res.json()) as DnsJson
}

/** Polls /resolve until `accept` holds; returns how long that took. */
async function within(ms: number, name: string, accept: (answer: DnsJson) => boolean): Promise<number> {
  const started = Date.now()
  await waitFor(async () => accept(await resolve(name)), ms, `${name} to resolve as expected`)
  return Date.now() - started
}

beforeEach(async () => {
  store = new MemoryStore()
  pushes = []
  url = `http://127.0.0.1:${await listen()}`
  api = await FakeKubeApi.start()
  api.apply('namespaces', namespace('bookinfo'))
  api.apply('services', service('bookinfo', 'productpage', { clusterIPs: ['10.96.0.20'] }))
  job = await startSync(api, [url], [], { MESHDOH_SYNC_TOKEN: 'tok' })
  await within(5000, 'productpage.bookinfo.svc.cluster.local', (a) => a.Status === 0)
})

afterEach(async () => {
  await job.stop()
  await api.close()
  await shutdown()
})

test('a created Service resolves within a second; a deleted one is NXDOMAIN within a second', async () => {
  const name = 'ratings.bookinfo.svc.cluster.local'
  expect((await resolve(name)).Status).toBe(3)
  api.apply('services', service('bookinfo', 'ratings', { clusterIPs: ['10.96.5.5'] }))
  await within(
    1000,
    name,
    (a) => a.Status === 0 && a.Answer?.some((rr) => rr.type === 1 && rr.data === '10.96.5.5') === true
  )
  api.delete('services', 'bookinfo', 'ratings')
  await within(1000, name, (a) => a.Status === 3)
})

test('the resolver down for a while, then back: it converges with nothing lost', async () => {
  const port = Number(new URL(url).port)
  await shutdown()
  api.apply('services', service('bookinfo', 'details', { clusterIPs: ['10.96.0.21'] }))
  api.apply('services', service('bookinfo', 'productpage', { clusterIPs: ['10.96.0.99'] }))
  await waitFor(async () => job.logs.messages().filter((m) => m.startsWith('push failed')).length >= 2, 3000)
  await listen(port) // same store: the resolver kept what it had accepted before going down
  await within(3000, 'details.bookinfo.svc.cluster.local', (a) => a.Answer?.[0]?.data === '10.96.0.21')
  expect((await resolve('productpage.bookinfo.svc.cluster.local')).Answer?.[0]?.data).toBe('10.96.0.99')
})

test('after the first whole snapshot, changes are deltas the app applies; its digest is the job’s', async () => {
  for (let i = 0; i < 30; i++)
    api.apply('services', service('bookinfo', `filler-${i}`, { clusterIPs: [`10.96.1.${i + 1}`] }))
  await within(2000, 'filler-29.bookinfo.svc.cluster.local', (a) => a.Status === 0)
  api.apply('services', service('bookinfo', 'reviews', { clusterIPs: ['10.96.0.30'] }))
  await within(1000, 'reviews.bookinfo.svc.cluster.local', (a) => a.Answer?.[0]?.data === '10.96.0.30')
  api.delete('services', 'bookinfo', 'filler-0')
  await within(1000, 'filler-0.bookinfo.svc.cluster.local', (a) => a.Status === 3)
  expect(pushes[0]).toMatchObject({ method: 'PUT', status: 200 })
  const later = pushes.slice(1)
  expect(later.length).toBeGreaterThanOrEqual(2)
  expect(later.every((p) => p.method === 'PATCH' && p.status === 200)).toBe(true)
  // A one-Service delta is a few hundred bytes, whatever the size of the cluster.
  expect(later.at(-1)!.bytes).toBeLessThan(1024)
  const digest = later.at(-1)!.answer['digest']
  expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/)
  // The job sent the same digest it computed (the app would have answered 412 otherwise), and
  // logged no whole push after the first.
  expect(job.logs.records.filter((r) => r['msg'] === 'pushing' && r['method'] === 'PUT')).toHaveLength(1)
})
