/**
 * A benchmark Worker, run in workerd by bench/workerd/part.ts. One request does the whole
 * measurement: builds meshdoh's app per size (createMeshdoh with a MemoryStore, as the test
 * suite does), pushes a synthetic snapshot through PUT /v1/snapshots, checks every answer, then
 * times `app.fetch` on prepared GET /dns-query requests, sizes alternated batch by batch.
 *
 * Clock: inside workerd `Date.now()`/`performance.now()` move in whole milliseconds, so single
 * queries are never timed: batches are long enough (tens of ms) for the tick to matter little.
 */
import { Hono } from 'hono'
import { createMeshdoh } from '../../src/http/app.ts'
import { parseSettings, type Settings } from '../../src/runtime/settings.ts'
import { MemoryStore } from '../../src/store/memory.ts'
import type { BuiltIndex, SnapshotStore } from '../../src/store/store.ts'
import { queryNames } from '../names.ts'
import { dohPath, fixedResponse, responseSummary } from '../query.ts'
import { syntheticSnapshot } from '../synthetic.ts'
import { snapshotDigest } from '../../src/registry/canonical.ts'
import type { SnapshotInput } from '../../src/registry/schema.ts'
import { parseSnapshot } from '../../src/registry/validate.ts'

export interface WorkerdRequest {
  sizes: number[]
  /** Timed passes over the 1,000 names, per size. */
  batches: number
  /** Names timed one by one (each repeated), per size. */
  perName: number
  repeat: number
}

export interface WorkerdSize {
  services: number
  pushMs: number
  /** The first query after the push: the store builds the packed index here (once per push). */
  firstQueryMs: number
  /** Bytes of the packed index: what a cold isolate fetches. */
  indexBytes: number
  /**
   * A new app over that index, ms: reading it out of a Response body (as from the Cache API),
   * loading it and answering one query. Median of several; the isolate's code is warm.
   */
  coldMs: number[]
  /** The same with the index already in memory: loading it and answering one query. */
  coldLoadMs: number[]
  /** A PATCH changing one Service's address, to the first answer with the new address, ms. */
  deltaToAnswerMs: number
  /** µs per query of each timed pass over the names (warm index). */
  batchUs: number[]
  /** µs per query of each sampled name, repeated `repeat` times. */
  perNameUs: number[]
  wrong: string[]
}

export interface WorkerdResult {
  clockTickMs: number
  sizes: WorkerdSize[]
  /** A Hono app answering every GET /dns-query with one fixed response: the floor. */
  floorUs: number[]
}

type Fetch = (request: Request) => Response | Promise<Response>

const now = () => performance.now()

async function timePass(fetch: Fetch, requests: Request[]): Promise<number> {
  const t0 = now()
  for (const request of requests) await fetch(request)
  return ((now() - t0) * 1000) / requests.length
}

/** The clock's step: how far `performance.now()` jumps when it moves during a busy loop. */
function clockTick(): number {
  const a = now()
  let b = a
  for (let i = 0; i < 1e8 && b === a; i++) b = now()
  const c = b
  let d = c
  for (let i = 0; i < 1e8 && d === c; i++) d = now()
  return d - c
}

async function prepare(services: number, origin: string) {
  const snapshot = syntheticSnapshot({ services })
  const settings = parseSettings({
    MESHDOH_PUSH_TOKENS: 'bench-token',
    MESHDOH_MAX_SNAPSHOT_BYTES: String(512 * 2 ** 20),
  })
  const store = new MemoryStore()
  const { app } = createMeshdoh({ store, settings })
  const fetch: Fetch = (request) => app.fetch(request)
  const t0 = now()
  const pushed = await app.fetch(
    new Request(`${origin}/v1/snapshots/bench`, {
      method: 'PUT',
      headers: { Authorization: 'Bearer bench-token', 'Content-Type': 'application/json' },
      body: JSON.stringify(snapshot),
    })
  )
  const pushMs = now() - t0
  if (pushed.status !== 200) throw new Error(`push of ${services} services: ${pushed.status} ${await pushed.text()}`)
  const names = queryNames(snapshot, 1000)
  const requests = names.map((q) => new Request(origin + dohPath(q.name)))
  const t1 = now()
  await fetch(requests[0]!)
  const firstQueryMs = now() - t1
  const wrong: string[] = []
  for (const [i, q] of names.entries()) {
    const { rcode, answers } = responseSummary(new Uint8Array(await (await fetch(requests[i]!)).arrayBuffer()))
    const ok = q.present ? rcode === 0 && answers > 0 : rcode === 3
    if (!ok) wrong.push(`${q.name}: rcode ${rcode}, ${answers} answers`)
  }
  for (let i = 0; i < 3; i++) await timePass(fetch, requests) // warm-up: JIT and caches
  const index = await store.index()
  const coldMs: number[] = []
  const coldLoadMs: number[] = []
  for (let i = 0; i < 7; i++) {
    coldMs.push(await coldStart(index, settings, requests[i + 1]!, true))
    coldLoadMs.push(await coldStart(index, settings, requests[i + 1]!, false))
  }
  const deltaToAnswerMs = await deltaToAnswer(app, snapshot, origin)
  for (let i = 0; i < 3; i++) await timePass(fetch, requests) // warm again after the change
  const size: WorkerdSize = {
    services,
    pushMs,
    firstQueryMs,
    deltaToAnswerMs,
    indexBytes: index.bytes.length,
    coldMs,
    coldLoadMs,
    batchUs: [],
    perNameUs: [],
    wrong: wrong.slice(0, 10),
  }
  return { size, fetch, requests }
}

/** One delta moving a ClusterIP Service to a new address, timed from the PATCH to the answer. */
async function deltaToAnswer(app: { fetch: Fetch }, snapshot: SnapshotInput, origin: string): Promise<number> {
  const parsed = parseSnapshot(structuredClone(snapshot))
  if (!parsed.ok) throw new Error(parsed.error)
  const target = parsed.snapshot.services.find((s) => s.clusterIPs.length === 1 && s.exportTo.includes('*'))!
  const moved = { ...target, clusterIPs: ['10.255.254.253'] }
  const result = {
    ...parsed.snapshot,
    revision: 2,
    services: parsed.snapshot.services.map((s) => (s === target ? moved : s)),
  }
  const delta = {
    apiVersion: 'meshdoh/v1',
    kind: 'RegistryDelta',
    cluster: parsed.snapshot.cluster,
    baseRevision: 1,
    revision: 2,
    generatedAt: parsed.snapshot.generatedAt,
    set: { services: [moved] },
    digest: await snapshotDigest(result),
  }
  const name = `${target.name}.${target.namespace}.svc.cluster.local`
  const t0 = now()
  const patched = await app.fetch(
    new Request(`${origin}/v1/snapshots/${parsed.snapshot.cluster}`, {
      method: 'PATCH',
      headers: { Authorization: 'Bearer bench-token', 'Content-Type': 'application/json' },
      body: JSON.stringify(delta),
    })
  )
  if (patched.status !== 200) throw new Error(`delta: ${patched.status} ${await patched.text()}`)
  const answer = await (await app.fetch(new Request(`${origin}/resolve?name=${name}`))).text()
  const ms = now() - t0
  if (!answer.includes('10.255.254.253')) throw new Error(`the delta was not answered: ${answer}`)
  return ms
}

/** A fresh app whose store hands over the index through a Response body, timed to its first answer. */
async function coldStart(index: BuiltIndex, settings: Settings, request: Request, viaBody: boolean): Promise<number> {
  const unused = () => Promise.reject(new Error('not used'))
  const copy = viaBody ? undefined : index.bytes.slice()
  const t0 = now()
  const store: SnapshotStore = {
    stamp: async () => index.stamp,
    index: async () => ({
      ...index,
      bytes: copy ?? new Uint8Array(await new Response(index.bytes).arrayBuffer()),
    }),
    load: unused,
    held: unused,
    list: unused,
    put: unused,
    delete: unused,
  }
  const { app } = createMeshdoh({ store, settings })
  const response = await app.fetch(request.clone())
  await response.arrayBuffer()
  return now() - t0
}

function floorApp(origin: string): { fetch: Fetch; requests: Request[] } {
  const fixed = fixedResponse()
  const app = new Hono()
  app.get('/dns-query', (c) => c.body(fixed, 200, { 'Content-Type': 'application/dns-message' }))
  const requests = Array.from({ length: 1000 }, (_, i) => new Request(origin + dohPath(`n${i}.example`)))
  return { fetch: (request) => app.fetch(request), requests }
}

async function measure(request: WorkerdRequest, origin: string): Promise<WorkerdResult> {
  const prepared = []
  for (const services of request.sizes) prepared.push(await prepare(services, origin))
  const floor = floorApp(origin)
  for (let i = 0; i < 3; i++) await timePass(floor.fetch, floor.requests)
  const floorUs: number[] = []
  const contenders = [...prepared.map((p) => ({ ...p, out: p.size.batchUs })), { ...floor, out: floorUs }]
  for (let r = 0; r < request.batches; r++) {
    for (let k = 0; k < contenders.length; k++) {
      const c = contenders[(k + r) % contenders.length]!
      c.out.push(await timePass(c.fetch, c.requests))
    }
  }
  for (let n = 0; n < request.perName; n++) {
    for (let k = 0; k < prepared.length; k++) {
      const p = prepared[(k + n) % prepared.length]!
      const one = Array.from({ length: request.repeat }, () => p.requests[n % p.requests.length]!)
      p.size.perNameUs.push(await timePass(p.fetch, one))
    }
  }
  return { clockTickMs: clockTick(), sizes: prepared.map((p) => p.size), floorUs }
}

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url)
    if (request.method !== 'POST' || url.pathname !== '/run') return new Response('POST /run\n', { status: 404 })
    try {
      const result = await measure((await request.json()) as WorkerdRequest, url.origin)
      return Response.json(result)
    } catch (error) {
      return new Response(error instanceof Error ? (error.stack ?? error.message) : String(error), { status: 500 })
    }
  },
}
