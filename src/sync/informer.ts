/**
 * One resource, listed and watched with client-node's ListWatch. Adds what ListWatch leaves to
 * its caller: "synced" once the first list is in the cache, restarts with backoff after errors
 * (ListWatch stops for good on any error but a 410 or a timeout), and Istio's optional CRDs.
 */
import { ListWatch, type KubeConfig } from '@kubernetes/client-node'
import type { Logger } from 'pino'
import { backoffDelay, sleep, type BackoffOptions } from './backoff.ts'
import type { SyncMetrics } from './metrics.ts'
import { listAll, statusOf, type ListPage, type PageRequest } from './pager.ts'
import { SlimWatch } from './stream.ts'

export interface ResourceDef<O, R> {
  /** Plural resource name, for logs and metrics. */
  name: string
  /** The collection's API path, e.g. `/api/v1/services`. */
  path: string
  labelSelector?: string
  fieldSelector?: string
  list: (req: PageRequest) => Promise<ListPage<O>>
  toRecord: (obj: O) => R | undefined
  /** An Istio CRD: a 404 means Istio is not installed, not an error. */
  optional?: boolean
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
  /** Called when an optional resource answers 404 (true) or is found again (false). */
  onAbsent: (name: string, absent: boolean) => void
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
  #absent = false
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
    if (this.#absent) {
      this.#absent = false
      this.deps.onAbsent(this.def.name, false)
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
    if (this.def.optional && status === 404) {
      if (!this.#absent) this.deps.onAbsent(this.def.name, true)
      this.#absent = true
      // Nothing to wait for: a cluster without the CRD has none of these objects.
      this.#synced()
      return this.#restartAfter(this.options.recheckMs)
    }
    const message = err instanceof Error ? err.message : String(err)
    this.deps.log.warn({ resource: this.def.name, status, err: message }, 'list/watch failed; restarting')
    this.#restartAfter(backoffDelay(this.#failures++, this.options.reconnect))
  }

  #restartAfter(ms: number): void {
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => void this.#start(), ms)
  }
}
