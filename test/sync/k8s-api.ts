/**
 * A Kubernetes API server for the tests, on 127.0.0.1 and a free port, speaking the real
 * list/watch protocol (Kubernetes API concepts, "Efficient detection of changes" and
 * "Retrieving large results sets in chunks"): lists with resourceVersion, limit and continue;
 * watches as chunked newline-delimited JSON events (ADDED, MODIFIED, DELETED, BOOKMARK) from a
 * resourceVersion, honouring allowWatchBookmarks and timeoutSeconds; ERROR events carrying a
 * 410 Gone Status once the history is compacted; dropped connections on demand; API discovery
 * of each group (GET /apis/{group}). Istio's group is served at the versions asked for (v1 and
 * v1beta1 by default, as Istio 1.22 on; v1beta1 alone as before 1.22); without Istio it answers
 * 404, as on a cluster without the CRDs. 403 Forbidden on demand, worded as RBAC words it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { KubeConfig } from '@kubernetes/client-node'
import { FakeStore, RESOURCES, type KubeObject, type Plural, type ResourceType } from './k8s-store.ts'
import { openWatch, type OpenWatch } from './k8s-watch.ts'
import { listResponse, status } from './k8s-list.ts'

export interface FakeKubeOptions {
  /** Serve networking.istio.io; false answers 404 for it, as a cluster without Istio does. */
  istio?: boolean
  /** The versions networking.istio.io is served at. */
  istioVersions?: string[]
  /** Bearer token every request must carry. */
  token?: string
  /** How often an idle watch gets a BOOKMARK when it asked for them. */
  bookmarkIntervalMs?: number
}

export interface RequestLog {
  method: string
  path: string
  query: URLSearchParams
}

interface Route {
  type: ResourceType
  namespace?: string
}

export class FakeKubeApi {
  readonly store = new FakeStore()
  readonly requests: RequestLog[] = []
  readonly #watches = new Set<OpenWatch>()
  readonly #sockets = new Set<Socket>()
  readonly #held = new Map<Plural, Promise<void>>()
  readonly #failures = new Map<Plural, number[]>()
  readonly #forbidden = new Set<string>()
  readonly #server: Server
  #port = 0
  /** Called before each list is answered: lets a test change the world between pages. */
  beforeList: ((plural: Plural, query: URLSearchParams) => void) | undefined

  private constructor(readonly options: FakeKubeOptions) {
    this.#server = createServer((req, res) => this.#handle(req, res))
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket)
      socket.on('close', () => this.#sockets.delete(socket))
    })
  }

  static async start(options: FakeKubeOptions = {}): Promise<FakeKubeApi> {
    const defaults = { istio: true, istioVersions: ['v1', 'v1beta1'], token: 'kube-token', bookmarkIntervalMs: 60_000 }
    const api = new FakeKubeApi({ ...defaults, ...options })
    await new Promise<void>((resolve) => api.#server.listen(0, '127.0.0.1', resolve))
    api.#port = (api.#server.address() as AddressInfo).port
    return api
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`
  }

  /** A client configuration pointing at this server, built in code. */
  kubeConfig(): KubeConfig {
    const kc = new KubeConfig()
    kc.loadFromOptions({
      clusters: [{ name: 'fake', server: this.url, skipTLSVerify: true }],
      users: [{ name: 'fake', token: this.options.token }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'fake' }],
      currentContext: 'fake',
    })
    return kc
  }

  /** The same configuration as a kubeconfig file, for the command line. */
  kubeConfigYaml(): string {
    return [
      'apiVersion: v1',
      'kind: Config',
      // client-node refuses plain HTTP unless TLS verification is explicitly off.
      `clusters: [{name: fake, cluster: {server: "${this.url}", insecure-skip-tls-verify: true}}]`,
      `users: [{name: fake, user: {token: "${this.options.token ?? ''}"}}]`,
      'contexts: [{name: fake, context: {cluster: fake, user: fake}}]',
      'current-context: fake',
    ].join('\n')
  }

  apply(plural: Plural, obj: KubeObject): KubeObject {
    return this.store.apply(plural, obj)
  }

  delete(plural: Plural, namespace: string | undefined, name: string): boolean {
    return this.store.delete(plural, namespace, name)
  }

  /** Open watch streams, optionally of one resource. */
  watchCount(plural?: Plural): number {
    return [...this.#watches].filter((w) => plural === undefined || w.plural === plural).length
  }

  /** Cuts every watch connection without a word, as a broken network would. */
  dropWatches(plural?: Plural): number {
    return this.#endWatches(plural, (w) => w.drop())
  }

  /** Ends every watch cleanly (the terminating chunk), as the server does at timeoutSeconds. */
  closeWatches(plural?: Plural): number {
    return this.#endWatches(plural, (w) => w.close())
  }

  /** Compacts the history and tells every open watch 410 Gone: clients must list again. */
  expireWatches(plural?: Plural): number {
    this.store.compact()
    return this.#endWatches(plural, (w) => w.gone())
  }

  /** Holds lists of `plural` until the returned function is called. */
  holdLists(plural: Plural): () => void {
    let release!: () => void
    this.#held.set(plural, new Promise((resolve) => (release = resolve)))
    return () => {
      this.#held.delete(plural)
      release()
    }
  }

  /** The next requests (lists and watches) of `plural` answer these statuses, in order. */
  failNext(plural: Plural, ...statuses: number[]): void {
    this.#failures.set(plural, [...(this.#failures.get(plural) ?? []), ...statuses])
  }

  /**
   * Answers lists and watches of `plural` (in `namespace`, or anywhere) with 403 Forbidden, as
   * RBAC does for a service account without the grant; `allow` undoes it.
   */
  forbid(plural: Plural, namespace?: string): void {
    this.#forbidden.add(`${plural}/${namespace ?? ''}`)
  }

  allow(plural: Plural, namespace?: string): void {
    this.#forbidden.delete(`${plural}/${namespace ?? ''}`)
  }

  async close(): Promise<void> {
    for (const w of this.#watches) w.drop()
    for (const socket of this.#sockets) socket.destroy()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }

  #endWatches(plural: Plural | undefined, end: (w: OpenWatch) => void): number {
    const chosen = [...this.#watches].filter((w) => plural === undefined || w.plural === plural)
    for (const w of chosen) end(w)
    return chosen.length
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url)
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams })
    if (this.options.token !== undefined && req.headers.authorization !== `Bearer ${this.options.token}`) {
      return send(res, 401, status(401, 'Unauthorized', 'Unauthorized'))
    }
    if (url.pathname === '/version' && req.method === 'GET') {
      return send(res, 200, { major: '1', minor: '33', gitVersion: 'v1.33.0' })
    }
    const group = this.#group(url.pathname)
    if (group && req.method === 'GET') return send(res, 200, group)
    const route = this.#route(url.pathname)
    if (!route || req.method !== 'GET') {
      return send(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'))
    }
    const plural = route.type.plural as Plural
    const failure = this.#failures.get(plural)?.shift()
    if (failure !== undefined) return send(res, failure, status(failure, 'InternalError', 'injected failure'))
    const watching = url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1'
    if (this.#forbidden.has(`${plural}/`) || this.#forbidden.has(`${plural}/${route.namespace ?? ''}`)) {
      return send(res, 403, forbidden(route, watching ? 'watch' : 'list'))
    }
    if (watching) {
      const w = openWatch(this.store, route, url.searchParams, res, this.options.bookmarkIntervalMs ?? 60_000)
      this.#watches.add(w)
      return void res.on('close', () => this.#watches.delete(w))
    }
    await this.#held.get(plural)
    this.beforeList?.(plural, url.searchParams)
    const [code, body] = listResponse(this.store, route, url.searchParams)
    send(res, code, body)
  }

  /** `/apis/{group}`: the APIGroup discovery document, versions most preferred first. */
  #group(path: string): unknown {
    const m = /^\/apis\/([^/]+)\/?$/.exec(path)
    if (!m) return undefined
    const name = m[1]!
    const versions = this.#versions(name)
    if (versions.length === 0) return undefined
    const list = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }))
    return { kind: 'APIGroup', apiVersion: 'v1', name, versions: list, preferredVersion: list[0] }
  }

  #versions(group: string): string[] {
    if (group === ISTIO) return this.options.istio ? (this.options.istioVersions ?? []) : []
    return [...new Set(RESOURCES.filter((r) => r.group === group).map((r) => r.version))]
  }

  /** `/api/v1/[namespaces/{ns}/]{plural}` and `/apis/{group}/{version}/[namespaces/{ns}/]{plural}`. */
  #route(path: string): Route | undefined {
    const parts = path.split('/').filter((p) => p !== '')
    const [group, version, rest] =
      parts[0] === 'api'
        ? ['', parts[1], parts.slice(2)]
        : parts[0] === 'apis'
          ? [parts[1], parts[2], parts.slice(3)]
          : []
    if (rest === undefined || version === undefined || !this.#versions(group!).includes(version)) return undefined
    const [namespace, plural] =
      rest.length === 3 && rest[0] === 'namespaces' ? [rest[1], rest[2]] : rest.length === 1 ? [undefined, rest[0]] : []
    // A custom resource is served at every version of its group, as Istio's CRDs are.
    const found = RESOURCES.find((r) => r.group === group && (r.custom || r.version === version) && r.plural === plural)
    if (!found || (namespace !== undefined && !found.namespaced)) return undefined
    const type = { ...found, version }
    return namespace === undefined ? { type } : { type, namespace }
  }
}

// The API server's own wording (k8s.io/apiserver endpoints/handlers/responsewriters forbidden).
function forbidden(route: Route, verb: string) {
  const { group, plural } = route.type
  const where = route.namespace === undefined ? 'at the cluster scope' : `in the namespace "${route.namespace}"`
  const user = 'system:serviceaccount:meshdoh:meshdoh-sync'
  const message = `${plural} is forbidden: User "${user}" cannot ${verb} resource "${plural}" in API group "${group}" ${where}`
  return status(403, 'Forbidden', message)
}

const ISTIO = 'networking.istio.io'

function send(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body))
}
