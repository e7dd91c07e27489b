/**
 * One resolver the job pushes to. It always pushes the newest content it was offered: while a
 * resolver is down, older offers are superseded rather than queued, so when it comes back it
 * receives the current cluster in one push and nothing is lost.
 */
import type { Logger } from 'pino'
import type { Offer } from './assemble.ts'
import { backoffDelay, sleep, type BackoffOptions } from './backoff.ts'
import { targetLabel, type PushOutcome, type SyncMetrics } from './metrics.ts'
import { compress, putSnapshot, readToken, snapshotUrl, type PushResult, type TokenSource } from './push.ts'
import { nextRevision } from './revision.ts'

export type { Offer }

export interface TargetOptions {
  /** The resolver's base URL; the snapshot goes to `{base}/v1/snapshots/{cluster}`. */
  base: string
  cluster: string
  token: TokenSource
  timeoutMs: number
  retry: BackoffOptions
  now?: () => number
}

/** How a delivery ended: accepted, refused for good (400 or invalid), or given up after the allowed attempts. */
export type Delivery = 'accepted' | 'rejected' | 'failed'

// Consecutive 409s answered at once before backing off: two jobs pushing the same cluster
// would otherwise leapfrog each other in a tight loop.
const FREE_CONFLICTS = 3

type Step = { next: 'settled' } | { next: 'conflict' } | { next: 'retry'; afterMs?: number }

interface Prepared {
  revision: number
  body: Buffer
}

export class Target {
  readonly url: URL
  readonly label: string
  #latest: Offer | undefined
  #accepted: string | undefined
  #rejected: string | undefined
  /** The rendered, compressed document of one offer: the same bytes for every retry of it. */
  #prepared: { key: string; body: Promise<Prepared | undefined> } | undefined
  /** The highest revision used here or reported by the resolver. */
  #revision = 0
  #loop: Promise<void> | undefined
  readonly #abort = new AbortController()
  readonly #now: () => number

  constructor(
    private readonly options: TargetOptions,
    private readonly metrics: SyncMetrics,
    private readonly log: Logger
  ) {
    this.url = snapshotUrl(options.base, options.cluster)
    this.label = targetLabel(this.url)
    this.#now = options.now ?? Date.now
  }

  /** Hands over new content; returns at once, the push happens in the background. */
  offer(offer: Offer): void {
    this.#latest = offer
    this.#loop ??= this.#run(Infinity).then(() => {
      this.#loop = undefined
      // An offer that arrived while the loop was finishing its last step.
      if (this.#pending()) this.offer(this.#latest!)
    })
  }

  /** Renders and compresses `offer` ahead of its push, if it is the next one (job.ts settling). */
  prepare(offer: Offer): void {
    // A failure here is met again, and reported, by the push that awaits the same promise.
    this.#prepare(offer).catch(() => undefined)
  }

  /** Pushes `offer` and waits for the outcome, trying at most `maxAttempts` times (for --once). */
  async deliver(offer: Offer, maxAttempts: number): Promise<Delivery> {
    this.#latest = offer
    await this.#run(maxAttempts)
    return offer.key === this.#accepted ? 'accepted' : offer.key === this.#rejected ? 'rejected' : 'failed'
  }

  async stop(): Promise<void> {
    this.#abort.abort()
    await this.#loop
  }

  #pending(): boolean {
    const key = this.#latest?.key
    return key !== undefined && key !== this.#accepted && key !== this.#rejected && !this.#abort.signal.aborted
  }

  async #run(maxAttempts: number): Promise<void> {
    let failures = 0
    let conflicts = 0
    for (let attempt = 0; attempt < maxAttempts && this.#pending(); attempt++) {
      const step = await this.#attempt(this.#latest!).catch((err: unknown): Step => {
        this.log.error(
          { target: this.label, err: err instanceof Error ? err.message : String(err) },
          'push failed unexpectedly'
        )
        return this.#count('error', { next: 'retry' })
      })
      if (step.next === 'settled') {
        failures = 0
        conflicts = 0
      } else if (step.next === 'conflict' && ++conflicts <= FREE_CONFLICTS) {
        continue
      } else if (attempt + 1 < maxAttempts) {
        const wait = backoffDelay(failures++, this.options.retry)
        const afterMs = step.next === 'retry' ? (step.afterMs ?? 0) : 0
        await sleep(Math.min(Math.max(wait, afterMs), this.options.retry.maxMs), this.#abort.signal)
      }
    }
  }

  async #attempt(offer: Offer): Promise<Step> {
    const prepared = await this.#prepare(offer)
    if (prepared === undefined) return this.#count('invalid', { next: 'settled' })
    let token: string | undefined
    try {
      token = await readToken(this.options.token)
    } catch (err) {
      this.log.error({ target: this.label, err: (err as Error).message }, 'cannot read the push token')
      return this.#count('error', { next: 'retry' })
    }
    const { timeoutMs } = this.options
    this.log.debug({ target: this.label, revision: prepared.revision, bytes: prepared.body.length }, 'pushing')
    const result = await putSnapshot({
      url: this.url,
      body: prepared.body,
      token,
      timeoutMs,
      signal: this.#abort.signal,
    })
    return this.#handle(result, offer, prepared.revision)
  }

  #handle(result: PushResult, offer: Offer, revision: number): Step {
    const log = this.log.child({ target: this.label, revision })
    switch (result.kind) {
      case 'accepted':
        this.#accepted = offer.key
        this.metrics.lastSuccess.set({ target: this.label }, this.#now() / 1000)
        this.metrics.revision.set({ target: this.label }, revision)
        log.info({ names: result.names }, 'snapshot accepted')
        return this.#count('accepted', { next: 'settled' })
      case 'conflict':
        // 409: move past the resolver's revision with the same content (docs/snapshot-format.md § Push).
        this.#revision = Math.max(this.#revision, result.current)
        this.#prepared = undefined
        log.warn({ current: result.current }, 'resolver holds a newer revision; pushing past it')
        return this.#count('conflict', { next: 'conflict' })
      case 'rejected':
        // The same bytes would be refused again: wait for the content to change.
        this.#rejected = offer.key
        log.error({ status: result.status, error: result.error, path: result.path }, 'resolver refused the snapshot')
        return this.#count('rejected', { next: 'settled' })
      case 'unauthorized':
        log.error({ status: result.status }, 'resolver refused the push token')
        return this.#count('unauthorized', { next: 'retry' })
      case 'retry':
        log.warn({ reason: result.reason }, 'push failed; retrying with backoff')
        return this.#count(
          'error',
          result.retryAfterMs === undefined ? { next: 'retry' } : { next: 'retry', afterMs: result.retryAfterMs }
        )
    }
  }

  #count(outcome: PushOutcome, step: Step): Step {
    this.metrics.pushes.inc({ target: this.label, outcome })
    return step
  }

  /** The compressed document for `offer`: the same bytes (and revision) for every retry of the same content. */
  #prepare(offer: Offer): Promise<Prepared | undefined> {
    if (this.#prepared?.key !== offer.key) this.#prepared = { key: offer.key, body: this.#render(offer) }
    return this.#prepared.body
  }

  async #render(offer: Offer): Promise<Prepared | undefined> {
    const revision = nextRevision(this.#revision, this.#now())
    // Every document is checked against the shared schema before it leaves (docs/snapshot-format.md):
    // its elements when they were built (assemble.ts), its envelope and stamp here.
    const rendered = offer.render(revision, new Date(this.#now()), this.options.cluster)
    if (!rendered.ok) {
      this.#rejected = offer.key
      this.log.error(
        { target: this.label, error: rendered.error, path: rendered.path },
        'built an invalid snapshot; not pushing it'
      )
      return undefined
    }
    this.#revision = revision
    // Only the compressed bytes are kept for retries; the JSON bytes are dropped once gzipped.
    return { revision, body: await compress(rendered.bytes) }
  }
}
