/**
 * The sync job: cluster changes → (debounce) → build → skip if unchanged → shrink guard →
 * every target. Nothing is built before the cluster source has finished its initial lists.
 */
import type { Logger } from 'pino'
import { SnapshotBuilder, type Assembled, type Offer } from './assemble.ts'
import type { BuildOptions } from './build.ts'
import { Debouncer, type DebounceOptions } from './debounce.ts'
import { ShrinkGuard } from './guard.ts'
import type { SyncMetrics } from './metrics.ts'
import type { ClusterSource } from './watch.ts'

/** Where snapshots go: a resolver (target.ts), or standard output for --dry-run. */
export interface Sink {
  offer(offer: Offer): void
  /** Content likely to be offered next: render and compress it ahead (target.ts). */
  prepare?(offer: Offer): void
  stop(): Promise<void>
}

export interface JobSettings {
  build: BuildOptions
  debounce: DebounceOptions
  /** Largest share of the last pushed names a snapshot may drop (0–1; 1 turns the guard off). */
  maxShrink: number
}

export type Built = Assembled

export class SyncJob {
  readonly #debouncer: Debouncer
  readonly #guard: ShrinkGuard
  readonly #builder: SnapshotBuilder
  #lastKey: string | undefined
  #refusedKey: string | undefined
  #skippedLogged = new Set<string>()
  #stopped = false
  /** Cluster changes seen since ready: tells whether a build made while settling is still current. */
  #changes = 0
  #settled: { built: Built; changes: number } | undefined

  constructor(
    private readonly source: ClusterSource,
    private readonly sinks: readonly Sink[],
    private readonly settings: JobSettings,
    private readonly metrics: SyncMetrics,
    private readonly log: Logger
  ) {
    this.#debouncer = new Debouncer(
      () => this.#flush(),
      settings.debounce,
      () => this.#settle()
    )
    this.#guard = new ShrinkGuard(settings.maxShrink)
    this.#builder = new SnapshotBuilder(settings.build)
  }

  /** Starts watching; the first snapshot is built as soon as every initial list is in. */
  start(): void {
    this.source.start(() => {
      if (!this.source.isReady()) return
      this.#changes++
      this.#debouncer.trigger()
    })
    void this.source.ready.then(() => {
      if (this.#stopped) return
      this.log.info('initial sync done')
      this.#debouncer.flush()
    })
  }

  /** Builds a snapshot from the current state; logs objects left out (each once while it stays out). */
  build(): Built {
    const started = performance.now()
    const built = this.#builder.build(this.source.state(), this.source.mesh())
    const { names, skipped } = built
    this.log.debug({ ms: Math.round(performance.now() - started), names: names.size }, 'snapshot built')
    this.metrics.skipped.set(skipped.length)
    const keys = new Set<string>()
    for (const s of skipped) {
      const key = `${s.kind}/${s.namespace}/${s.name}: ${s.path} ${s.error}`
      if (!this.#skippedLogged.has(key)) this.log.warn(s, 'object left out of the snapshot')
      keys.add(key)
    }
    this.#skippedLogged = keys
    this.metrics.names.set(names.size)
    return built
  }

  async stop(): Promise<void> {
    this.#stopped = true
    this.#debouncer.stop()
    await this.source.stop()
    await Promise.all(this.sinks.map((s) => s.stop()))
  }

  /**
   * Halfway through a quiet period: build now and let the targets render and compress, so that
   * a period that ends without another change sends at once. The cluster state is the same
   * then (no change came), so the snapshot is the one a build at the end would make.
   */
  #settle(): void {
    if (this.#stopped) return
    const built = this.build()
    this.#settled = { built, changes: this.#changes }
    if (built.offer.key === this.#lastKey || !this.#guard.check(built.names).ok) return
    for (const sink of this.sinks) sink.prepare?.(built.offer)
  }

  #flush(): void {
    if (this.#stopped) return
    const settled = this.#settled
    this.#settled = undefined
    const built = settled?.changes === this.#changes ? settled.built : this.build()
    const { key } = built.offer
    if (key === this.#lastKey) {
      this.log.debug('content unchanged; not pushing')
      return
    }
    const verdict = this.#guard.check(built.names)
    if (!verdict.ok) {
      if (key !== this.#refusedKey) {
        this.metrics.shrinkRefusals.inc()
        const { dropped, baseline, share } = verdict
        this.log.error(
          { dropped, baseline, share: Number(share.toFixed(3)), maxShrink: this.settings.maxShrink },
          'shrink guard: refusing a snapshot that drops too many names (set --max-shrink to allow it)'
        )
      }
      this.#refusedKey = key
      return
    }
    this.#guard.accept(built.names)
    this.#lastKey = key
    this.#refusedKey = undefined
    for (const sink of this.sinks) sink.offer(built.offer)
  }
}
