/**
 * One resource, listed and watched with client-node's ListWatch. Adds what ListWatch leaves to
 * its caller: "synced" once the first list is in the cache, restarts with backoff after errors
 * (ListWatch stops for good on any error but a 410 or a timeout), and Istio's optional CRDs.
 */
import { ListWatch, type KubeConfig } from '@kubernetes/client-node'
import type { Logger } from 'pino'
import type { Unavailable } from './availability.ts'
import { backoffDelay, sleep, type BackoffOptions } from './backoff.ts'
import type { SyncMetrics } from './metrics.ts'
import { listAll, statusMessage, statusOf, type ListPage, type PageRequest } from './pager.ts'
import { SlimWatch } from './stream.ts'

export interface ResourceDef<O, R> {
  /** Plural resource name, for logs and metrics. */
  name: string
  /** The collection's API path, e.g. `/api/v1/services`. */
  path: string
  /** What RBAC must grant to read it, named when the API server answers 403. */
  permission: string
  labelSelector?: string
  fieldSelector?: string
  list: (req: PageRequest) => Promise<ListPage<O>>
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
  #failures = 0
  #stopped = false
  #timer: ReturnType<typeof setTimeout> | undefined
  readonly #abort = new AbortController()
  readonly #lw: ListWatch<Slim<R>>

  constructor(
    kc: KubeConfig,
    private readonly def: ResourceDef<O, R>,
    private readonly options: InformerOptions,
    private readonly deps: InformerDeps
  ) {
    this.synced = new Promise((resolve) => (this.#markSynced = resolve))
    const watch = new SlimWatch(kc, {
      timeoutSeconds: options.timeoutSeconds,
      strip: (obj) => this.#slim(obj as O),
      stopped: () => this.#stopped,
      onEnd: (reason) => deps.metrics.watchRestarts.inc({ resource: def.name, reason }),
    })
    const delayFn = (ms: number) => sleep(Math.min(ms, options.reconnect.maxMs), this.#abort.signal)
    this.#lw = new ListWatch<Slim<R>>(
      def.path,
      watch,
      () => this.#list(),
      false,
      def.labelSelector,
      def.fieldSelector,
      { delayFn }
    )
    this.#lw.on('change', () => deps.onChange())
    this.#lw.on('error', (err: unknown) => this.#onError(err))
  }

  get isSynced(): boolean {
    return this.#isSynced
  }

  start(): void {
    void this.#start()
  }

  /** The stripped records now in the cache. */
  records(): R[] {
    // What was cached before a 404 or 403 is no longer known to be true.
    if (this.#unavailable) return []
    const out: R[] = []
    for (const slim of this.#lw.list()) if (slim.record !== undefined) out.push(slim.record)
    return out
  }

  async stop(): Promise<void> {
    this.#stopped = true
    this.#abort.abort()
    clearTimeout(this.#timer)
    await this.#lw.stop()
  }

  #slim(obj: O): Slim<R> {
    const m = (obj as { metadata?: Slim<R>['metadata'] }).metadata ?? {}
    return {
      metadata: { name: m.name, namespace: m.namespace, resourceVersion: m.resourceVersion },
      record: this.def.toRecord(obj),
    }
  }

  async #list() {
    const listed = await listAll(this.def.list, (o: O) => this.#slim(o), this.options.pageSize)
    this.#listed = true
    this.#failures = 0
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
      await this.#lw.start()
    } catch (err) {
      return this.#onError(err)
    }
    if (this.#listed) this.#synced()
  }

  #synced(): void {
    if (this.#isSynced) return
    this.#isSynced = true
    this.#markSynced()
  }

  #onError(err: unknown): void {
    if (this.#stopped) return
    const status = statusOf(err)
    const { optional, permission } = this.def
    if (optional && (status === 404 || status === 403)) {
      this.#unavailable = true
      const reason = status === 404 ? 'absent' : 'forbidden'
      const { absentNote } = optional
      this.deps.onAvailability(this.def.name, { reason, permission, absentNote, message: statusMessage(err) })
      // Nothing to wait for: a cluster without the CRD, or without the grant, gives none of these objects.
      this.#synced()
      return this.#restartAfter(this.options.recheckMs)
    }
    const message = err instanceof Error ? err.message : String(err)
    const extra = status === 403 ? { permission } : {}
    this.deps.log.warn({ resource: this.def.name, status, err: message, ...extra }, 'list/watch failed; restarting')
    this.#restartAfter(backoffDelay(this.#failures++, this.options.reconnect))
  }

  #restartAfter(ms: number): void {
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => void this.#start(), ms)
  }
}
