/**
 * A resolver for the tests, on 127.0.0.1: records every PUT and PATCH /v1/snapshots/{cluster}
 * (gunzipped, validated with the shared parseSnapshot, token checked) and answers as
 * docs/snapshot-format.md and the delta contract say, unless a test scripts the next answers.
 * A PATCH is applied to the snapshot held (set, remove, replace), the result validated and its
 * digest compared with the shared snapshotDigest, as the real resolver does; a rejected one
 * changes nothing. It can go down (connections refused) and come back on the same port, and can
 * play a resolver from before deltas (PATCH answered 404).
 */
import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { gunzipSync } from 'node:zlib'
import { snapshotDigest } from '../../src/registry/canonical.ts'
import { API_VERSION, KIND, type Snapshot } from '../../src/registry/schema.ts'
import { parseSnapshot } from '../../src/registry/validate.ts'

export interface RecordedPush {
  at: number
  method: 'PUT' | 'PATCH'
  cluster: string
  gzip: boolean
  authorization: string | undefined
  /** The request body's length as sent (compressed when gzipped). */
  bytes: number
  /** The pushed document (snapshot or delta) as JSON, or undefined when it was not JSON. */
  body: unknown
  /** The snapshot the push leads to, validated, when it is valid (a PATCH: applied to what was held). */
  snapshot?: Snapshot
  problem?: { error: string; path: string }
  status: number
  answer?: unknown
}

/** A scripted answer: a status (with a fitting body), or a status and body. */
export type Scripted = number | { status: number; body: unknown }

interface Held {
  revision: number
  snapshot: Snapshot
  digest: string
  /** SHA-256 of the last push's bytes and its answer: an identical retry gets the same answer. */
  pushed: string
  answer: unknown
}

type Verdict = [number, unknown]

const LISTS = ['services', 'serviceEntries'] as const
const NOT_REPLACEABLE = new Set([
  'apiVersion',
  'kind',
  'cluster',
  'revision',
  'generatedAt',
  'services',
  'serviceEntries',
])

export class FakeResolver {
  readonly pushes: RecordedPush[] = []
  readonly token = 'push-token'
  readonly #script: Scripted[] = []
  readonly #held = new Map<string, Held>()
  readonly #sockets = new Set<Socket>()
  #server: Server | undefined
  #port = 0

  /** `patch: false` plays a resolver from before deltas: PATCH is a route it does not have. */
  constructor(private readonly options: { patch?: boolean } = {}) {}

  static async start(options: { patch?: boolean } = {}): Promise<FakeResolver> {
    const resolver = new FakeResolver(options)
    await resolver.up()
    return resolver
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`
  }

  get puts(): RecordedPush[] {
    return this.pushes.filter((p) => p.method === 'PUT')
  }

  get patches(): RecordedPush[] {
    return this.pushes.filter((p) => p.method === 'PATCH')
  }

  /** Answers the next pushes with these, in order, whatever they contain. */
  script(...answers: Scripted[]): void {
    this.#script.push(...answers)
  }

  /** The held revision and digest of a cluster, as a real resolver would hold them. */
  held(cluster: string): { revision: number; digest: string; snapshot: Snapshot } | undefined {
    return this.#held.get(cluster)
  }

  /** Forgets a cluster, as a resolver that lost its store would. */
  forget(cluster: string): void {
    this.#held.delete(cluster)
  }

  /** The snapshot of the last push answered 200 for a cluster. */
  accepted(cluster: string): Snapshot | undefined {
    return this.pushes.filter((p) => p.cluster === cluster && p.status === 200).at(-1)?.snapshot
  }

  /** Starts listening (again), on the same port as before if there was one. */
  async up(): Promise<void> {
    const server = createServer((req, res) => void this.#handle(req, res))
    server.on('connection', (socket) => {
      this.#sockets.add(socket)
      socket.on('close', () => this.#sockets.delete(socket))
    })
    await new Promise<void>((resolve) => server.listen(this.#port, '127.0.0.1', resolve))
    this.#port = (server.address() as AddressInfo).port
    this.#server = server
  }

  /** Stops listening and cuts open connections: pushes now fail with ECONNREFUSED. */
  async down(): Promise<void> {
    const server = this.#server
    this.#server = undefined
    for (const socket of this.#sockets) socket.destroy()
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  async close(): Promise<void> {
    await this.down()
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const raw = Buffer.concat(chunks)
    const match = /^\/v1\/snapshots\/([^/]+)$/.exec(new URL(req.url ?? '/', this.url).pathname)
    const method = req.method === 'PUT' || req.method === 'PATCH' ? req.method : undefined
    if (method === undefined || !match) return reply(res, 404, { error: 'not found' })
    const gzip = req.headers['content-encoding'] === 'gzip'
    const push: RecordedPush = {
      at: Date.now(),
      method,
      cluster: decodeURIComponent(match[1]!),
      gzip,
      authorization: req.headers.authorization,
      bytes: raw.length,
      body: undefined,
      status: 0,
    }
    this.pushes.push(push)
    if (method === 'PATCH' && this.options.patch === false) {
      push.status = 404
      return reply(res, 404, { error: 'not found' })
    }
    const text = (gzip ? gunzipSync(raw) : raw).toString('utf8')
    try {
      push.body = JSON.parse(text)
    } catch {
      push.body = undefined
    }
    const pushed = createHash('sha256').update(method).update(text).digest('hex')
    const [status, body] = await this.#answer(push, pushed)
    push.status = status
    push.answer = body
    reply(res, status, body)
  }

  async #answer(push: RecordedPush, pushed: string): Promise<Verdict> {
    // Computed before a scripted answer, so that tests see what the push would have led to.
    const outcome = push.method === 'PUT' ? this.#put(push) : this.#patch(push)
    if (outcome.ok) push.snapshot = outcome.snapshot
    else if (outcome.problem) push.problem = outcome.problem
    const scripted = this.#script.shift()
    const held = this.#held.get(push.cluster)
    if (scripted !== undefined) {
      if (typeof scripted !== 'number') return [scripted.status, scripted.body]
      const bodies: Record<number, unknown> = {
        200: { cluster: push.cluster, revision: push.snapshot?.revision, names: 0 },
        400: { error: 'scripted rejection', path: 'services[0].clusterIPs[0]' },
        409: { error: 'revision is not newer', current: held?.revision ?? 0 },
        412: { error: 'digest differs', digest: held?.digest ?? '' },
      }
      return [scripted, bodies[scripted] ?? { error: `scripted ${scripted}` }]
    }
    if (push.authorization !== `Bearer ${this.token}`) return [401, { error: 'bad token' }]
    // The same push again (a retry whose answer was lost): the same answer.
    if (held !== undefined && held.pushed === pushed) return [200, held.answer]
    if (!outcome.ok) return outcome.verdict ?? [400, outcome.problem]
    const snap = outcome.snapshot
    if (push.method === 'PUT' && held && snap.revision <= held.revision) {
      return [409, { error: 'revision is not newer than the stored one', current: held.revision }]
    }
    const digest = await snapshotDigest(snap)
    if (push.method === 'PATCH' && digest !== (push.body as { digest?: unknown }).digest) {
      return [412, { error: 'the resulting snapshot has another digest', digest }]
    }
    const names = snap.services.length + snap.serviceEntries.reduce((n, se) => n + se.hosts.length, 0)
    const answer = { cluster: push.cluster, revision: snap.revision, names, digest }
    this.#held.set(push.cluster, { revision: snap.revision, snapshot: snap, digest, pushed, answer })
    return [200, answer]
  }

  #put(push: RecordedPush): Outcome {
    const checked = parseSnapshot(push.body, push.cluster)
    return checked.ok ? { ok: true, snapshot: checked.snapshot } : { ok: false, problem: problem(checked) }
  }

  /** The delta applied to the held snapshot, as the contract says; nothing held is changed here. */
  #patch(push: RecordedPush): Outcome {
    const delta = push.body
    if (typeof delta !== 'object' || delta === null || Array.isArray(delta))
      return bad('the delta must be a JSON object', '')
    const d = delta as Record<string, unknown>
    if (d['apiVersion'] !== API_VERSION) return bad(`must be "${API_VERSION}"`, 'apiVersion')
    if (d['kind'] !== 'RegistryDelta') return bad('must be "RegistryDelta"', 'kind')
    if (d['cluster'] !== push.cluster) return bad('differs from the URL', 'cluster')
    for (const key of ['baseRevision', 'revision'] as const) {
      if (!Number.isSafeInteger(d[key]) || (d[key] as number) < 1) return bad('must be a positive integer', key)
    }
    if (typeof d['digest'] !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(d['digest']))
      return bad('must be sha256:<64 hex>', 'digest')
    const held = this.#held.get(push.cluster)
    const revision = d['revision'] as number
    if (held === undefined || d['baseRevision'] !== held.revision || revision <= held.revision) {
      const current = held?.revision ?? 0
      return {
        ok: false,
        verdict: [409, { error: 'the delta is not from the held revision', current }],
      }
    }
    const set = record(d['set'])
    const remove = record(d['remove'])
    const replace = record(d['replace'])
    if (!set || !remove || !replace)
      return bad('set, remove and replace must be objects', !set ? 'set' : !remove ? 'remove' : 'replace')
    const doc: Record<string, unknown> = { ...held.snapshot, revision, generatedAt: d['generatedAt'] }
    for (const [key, value] of Object.entries(replace)) {
      if (NOT_REPLACEABLE.has(key)) return bad('may not be replaced', `replace.${key}`)
      doc[key] = value
    }
    for (const list of LISTS) {
      const elements = new Map<string, unknown>()
      for (const e of held.snapshot[list]) elements.set(`${e.namespace}/${e.name}`, e)
      const seen = new Set<string>()
      const setList = set[list] ?? []
      const removeList = remove[list] ?? []
      if (!Array.isArray(setList)) return bad('must be an array', `set.${list}`)
      if (!Array.isArray(removeList)) return bad('must be an array', `remove.${list}`)
      for (const [i, name] of removeList.entries()) {
        const key = nameOf(name)
        if (key === undefined) return bad('must name an element by namespace and name', `remove.${list}[${i}]`)
        if (seen.has(key)) return bad('names an element twice in one delta', `remove.${list}[${i}]`)
        seen.add(key)
        elements.delete(key)
      }
      for (const [i, element] of setList.entries()) {
        const probe = parseSnapshot({
          apiVersion: API_VERSION,
          kind: KIND,
          cluster: push.cluster,
          revision,
          generatedAt: '1970-01-01T00:00:00Z',
          [list]: [element],
        })
        if (!probe.ok) return bad(probe.error, probe.path.replace(`${list}[0]`, `set.${list}[${i}]`))
        const key = nameOf(element)!
        if (seen.has(key)) return bad('names an element twice in one delta', `set.${list}[${i}]`)
        seen.add(key)
        elements.set(key, element)
      }
      doc[list] = [...elements.values()]
    }
    const checked = parseSnapshot(doc, push.cluster)
    if (!checked.ok) {
      const field = checked.path.split(/[.[]/)[0]!
      return bad(checked.error, field in replace ? `replace.${checked.path}` : checked.path)
    }
    return { ok: true, snapshot: checked.snapshot }
  }
}

type Outcome =
  | { ok: true; snapshot: Snapshot }
  | { ok: false; problem: { error: string; path: string }; verdict?: undefined }
  | { ok: false; problem?: undefined; verdict: Verdict }

function bad(error: string, path: string): Outcome {
  return { ok: false, problem: { error, path } }
}

function problem(p: { error: string; path: string }): { error: string; path: string } {
  return { error: p.error, path: p.path }
}

function record(value: unknown): Record<string, unknown> | undefined {
  if (value === undefined) return {}
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined
}

function nameOf(value: unknown): string | undefined {
  const v = value as { namespace?: unknown; name?: unknown } | null
  return typeof v?.namespace === 'string' && typeof v.name === 'string' ? `${v.namespace}/${v.name}` : undefined
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
}
