/**
 * A resolver for the tests, on 127.0.0.1: records every PUT /v1/snapshots/{cluster} (gunzipped,
 * validated with the shared parseSnapshot, token checked) and answers as docs/snapshot-format.md says,
 * unless a test scripts the next answers. It can go down (connections refused) and come back
 * on the same port.
 */
import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { gunzipSync } from 'node:zlib'
import type { Snapshot } from '../../src/registry/schema.ts'
import { parseSnapshot } from '../../src/registry/validate.ts'

export interface RecordedPut {
  at: number
  cluster: string
  gzip: boolean
  authorization: string | undefined
  /** The pushed document as JSON, or undefined when it was not JSON. */
  body: unknown
  /** The document after validation, when it passed. */
  snapshot?: Snapshot
  problem?: { error: string; path: string }
  status: number
}

/** A scripted answer: a status (with a fitting body), or a status and body. */
export type Scripted = number | { status: number; body: unknown }

export class FakeResolver {
  readonly puts: RecordedPut[] = []
  readonly token = 'push-token'
  readonly #script: Scripted[] = []
  readonly #held = new Map<string, { revision: number; digest: string; names: number }>()
  readonly #sockets = new Set<Socket>()
  #server: Server | undefined
  #port = 0

  static async start(): Promise<FakeResolver> {
    const resolver = new FakeResolver()
    await resolver.up()
    return resolver
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`
  }

  /** Answers the next PUTs with these, in order, whatever they contain. */
  script(...answers: Scripted[]): void {
    this.#script.push(...answers)
  }

  /** The accepted revision of a cluster, as a real resolver would hold it. */
  held(cluster: string): { revision: number; names: number } | undefined {
    return this.#held.get(cluster)
  }

  /** The last snapshot accepted (status 200) for a cluster. */
  accepted(cluster: string): Snapshot | undefined {
    return this.puts.filter((p) => p.cluster === cluster && p.status === 200).at(-1)?.snapshot
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
    if (req.method !== 'PUT' || !match) return reply(res, 404, { error: 'not found' })
    const gzip = req.headers['content-encoding'] === 'gzip'
    const put: RecordedPut = {
      at: Date.now(),
      cluster: decodeURIComponent(match[1]!),
      gzip,
      authorization: req.headers.authorization,
      body: undefined,
      status: 0,
    }
    this.puts.push(put)
    const text = (gzip ? gunzipSync(raw) : raw).toString('utf8')
    try {
      put.body = JSON.parse(text)
    } catch {
      put.body = undefined
    }
    const checked = parseSnapshot(put.body, put.cluster)
    if (checked.ok) put.snapshot = checked.snapshot
    else put.problem = { error: checked.error, path: checked.path }
    const [status, body] = this.#answer(put, createHash('sha256').update(text).digest('hex'))
    put.status = status
    reply(res, status, body)
  }

  #answer(put: RecordedPut, digest: string): [number, unknown] {
    const scripted = this.#script.shift()
    if (scripted !== undefined) {
      if (typeof scripted !== 'number') return [scripted.status, scripted.body]
      const current = this.#held.get(put.cluster)?.revision ?? 0
      const bodies: Record<number, unknown> = {
        200: { cluster: put.cluster, revision: put.snapshot?.revision, names: 0 },
        400: { error: 'scripted rejection', path: 'services[0].clusterIPs[0]' },
        409: { error: 'revision is not newer', current },
      }
      return [scripted, bodies[scripted] ?? { error: `scripted ${scripted}` }]
    }
    if (put.authorization !== `Bearer ${this.token}`) return [401, { error: 'bad token' }]
    if (!put.snapshot) return [400, put.problem]
    const held = this.#held.get(put.cluster)
    const snap = put.snapshot
    if (held && (snap.revision < held.revision || (snap.revision === held.revision && digest !== held.digest))) {
      return [409, { error: 'revision is not newer than the stored one', current: held.revision }]
    }
    const names = snap.services.length + snap.serviceEntries.reduce((n, se) => n + se.hosts.length, 0)
    this.#held.set(put.cluster, { revision: snap.revision, digest, names })
    return [200, { cluster: put.cluster, revision: snap.revision, names }]
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
}
