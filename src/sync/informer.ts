/**
 * One resource, listed and watched with client-node's ListWatch. Adds what ListWatch leaves to
 * its caller: "synced" once the first list is in the cache, restarts with backoff after errors
 * (ListWatch stops for good on any error but a 410 or a timeout), a path that API discovery
 * picks, and optional sources (Istio's CRDs, the mesh config) left out on a 404 or a 403.
 */
import { ListWatch, type KubeConfig } from '@kubernetes/client-node'
import type { Logger } from 'pino'
import type { Unavailable, UnavailableReason } from './availability.ts'
import { Backoff, sleep, type BackoffOptions } from './backoff.ts'
import type { SyncMetrics } from './metrics.ts'
import { listAll, statusMessage, statusOf, type ListPage, type PageRequest } from './pager.ts'
import { describeFailure } from './reach.ts'
import { SlimWatch } from './stream.ts'

export interface ResourceDef<O, R> {
  /** Plural resource name, for logs and metrics. */
  name: string
  /**
   * The collection's API path, e.g. `/api/v1/services`; or a lookup of it (API discovery picks
   * the version) that yields undefined when the API server serves none of it.
   */
  path: string | (() => Promise<string | undefined>)
  /** What RBAC must grant to read it, named when the API server answers 403. */
  permission: string
  labelSelector?: string
  fieldSelector?: string
  list: (path: string, req: PageRequest) => Promise<ListPage<O>>
  toRecord: (obj: O) => R | undefined
  /**
   * A source the snapshot can do without (Istio's CRDs, the mesh config): a 404 (not installed)
   * or a 403 (not granted) leaves it out instead of holding readiness back. `absentNote` is
   * logged when it does not exist.
   */
  optional?: { absentNote: string }
}

export interface InformerOptions {
  timeoutSeconds: number
  pageSize: number
  /** Delay between restarts after errors and between watch reconnects. */
  reconnect: BackoffOptions
  /** How often a missing CRD is looked for again. */
  recheckMs: number
  /** The clock the backoff measures quiet time with (tests move it). */
  now?: () => number
}

export interface InformerDeps {
  metrics: SyncMetrics
  log: Logger
  onChange: () => void
  /** Called when an optional resource answers 404 or 403, and (undefined) when it is read again. */
  onAvailability: (name: string, state: Unavailable | undefined) => void
}

/** The informer's cached object: metadata for ListWatch's bookkeeping, and the stripped record. */
interface Slim<R> {
  metadata: { name?: string; namespace?: string; resourceVersion?: string }
  record: R | undefined
}

export class Informer<O, R> {
  readonly synced: Promise<void>
  #markSynced!: () => void
  #isSynced = false
  #listed = false
  #unavailable = false
  readonly #backoff: Backoff
  #stopped = false
  #timer: ReturnType<typeof setTimeout> | undefined
  readonly #abort = new AbortController()
  readonly #watch: SlimWatch
  /** The ListWatch in use; none while the resource is left out (404 or 403). */
  #lw: ListWatch<Slim<R>> | undefined

  constructor(
    kc: KubeConfig,
    private readonly def: ResourceDef<O, R>,
    private readonly options: InformerOptions,
    private readonly deps: InformerDeps
  ) {
    this.synced = new Promise((resolve) => (this.#markSynced = resolve))
    this.#backoff = new Backoff(options.reconnect, options.now)
    this.#watch = new SlimWatch(kc, {
      timeoutSeconds: options.timeoutSeconds,
      strip: (obj) => this.#slim(obj as O),
      stopped: () => this.#stopped,
      onEnd: (reason) => deps.metrics.watchRestarts.inc({ resource: def.name, reason }),
    })
  }

  get isSynced(): boolean {
    return this.#isSynced
  }

  start(): void {
    void this.#start()
  }

  /** The stripped records now in the cache. */
  records(): R[] {
    const out: R[] = []
    for (const slim of this.#lw?.list() ?? []) if (slim.record !== undefined) out.push(slim.record)
    return out
  }

  async stop(): Promise<void> {
    this.#stopped = true
    this.#abort.abort()
    clearTimeout(this.#timer)
    await this.#lw?.stop()
  }

  #slim(obj: O): Slim<R> {
    const m = (obj as { metadata?: Slim<R>['metadata'] }).metadata ?? {}
    return {
      metadata: { name: m.name, namespace: m.namespace, resourceVersion: m.resourceVersion },
      record: this.def.toRecord(obj),
    }
  }

  async #list(path: string) {
    const page = (req: PageRequest) => this.def.list(path, req)
    const listed = await listAll(page, (o: O) => this.#slim(o), this.options.pageSize)
    this.#listed = true
    this.#backoff.reset()
    if (this.#unavailable) {
      this.#unavailable = false
      this.deps.onAvailability(this.def.name, undefined)
    }
    return listed
  }

  async #start(): Promise<void> {
    if (this.#stopped) return
    // ListWatch.start resolves once the list is applied to its cache and the watch is open. It
    // reports list and watch failures through 'error', but credentials (an exec plugin, say)
    // can still throw from it.
    try {
      const lw = await this.#listWatch()
      if (lw === undefined) return this.#leaveOut('absent')
      await lw.start()
    } catch (err) {
      return this.#onError(err)
    }
    if (this.#listed) this.#synced()
  }

  /** The ListWatch to (re)start; undefined when the API server serves none of the resource. */
  async #listWatch(): Promise<ListWatch<Slim<R>> | undefined> {
    // A path from discovery is looked up at the first start and at each recheck after a 404 or
    // 403 (an upgrade may have changed the version), not at every reconnect.
    if (this.#lw) return this.#lw
    const { path } = this.def
    const found = typeof path === 'string' ? path : await path()
    if (found === undefined || this.#stopped) return undefined
    if (typeof path !== 'string') this.deps.log.info({ resource: this.def.name, path: found }, 'API version chosen')
    const delayFn = (ms: number) => sleep(Math.min(ms, this.options.reconnect.maxMs), this.#abort.signal)
    const { labelSelector, fieldSelector } = this.def
    const list = () => this.#list(found)
    const lw = new ListWatch<Slim<R>>(found, this.#watch, list, false, labelSelector, fieldSelector, { delayFn })
    // A replaced ListWatch may still report the end of its last request: only the current one counts.
    lw.on('change', () => this.#lw === lw && this.deps.onChange())
    lw.on('error', (err: unknown) => this.#lw === lw && this.#onError(err))
    this.#lw = lw
    return lw
  }

  #synced(): void {
    if (this.#isSynced) return
    this.#isSynced = true
    this.#markSynced()
  }

  #onError(err: unknown): void {
    if (this.#stopped) return
    const status = statusOf(err)
    if (this.def.optional && (status === 404 || status === 403)) {
      return this.#leaveOut(status === 404 ? 'absent' : 'forbidden', statusMessage(err))
    }
    const message = describeFailure(err)
    const extra = status === 403 ? { permission: this.def.permission } : {}
    const retryInMs = Math.round(this.#backoff.next())
    const fields = { resource: this.def.name, status, err: message, retryInMs, ...extra }
    this.deps.log.warn(fields, 'list/watch failed; restarting')
    this.#restartAfter(retryInMs)
  }

  /** An optional resource that is not there or not granted: ready without it, looked for again later. */
  #leaveOut(reason: UnavailableReason, message?: string): void {
    const { name, permission, optional } = this.def
    this.#unavailable = true
    // Dropped with what it cached, which is no longer known to be true; the recheck lists afresh.
    void this.#lw?.stop()
    this.#lw = undefined
    this.deps.onAvailability(name, { reason, permission, absentNote: optional?.absentNote ?? name, message })
    // Nothing to wait for: a cluster without the CRD, or without the grant, gives none of these objects.
    this.#synced()
    this.#restartAfter(this.options.recheckMs)
  }

  #restartAfter(ms: number): void {
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => void this.#start(), ms)
  }
}
