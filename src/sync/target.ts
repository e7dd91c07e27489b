/**
 * One resolver the job pushes to. It always pushes the newest content it was offered: while a
 * resolver is down, older offers are superseded rather than queued, so when it comes back it
 * receives the current cluster in one push and nothing is lost.
 *
 * A push is a delta (PATCH, delta.ts) from the snapshot this target last acknowledged, kept
 * here per target: targets may stand at different revisions. It is the whole snapshot (PUT)
 * when there is no such base (the first push after a start), after the resolver answered a
 * delta with 409 (not at the base) or 412 (another digest), when a delta would not be smaller,
 * and for a while after a resolver answered a PATCH as a route it does not have.
 */
import type { Logger } from 'pino'
import type { Offer } from './assemble.ts'
import { backoffDelay, sleep, type BackoffOptions } from './backoff.ts'
import { planDelta, renderDelta } from './delta.ts'
import { targetLabel, type PushOutcome, type SyncMetrics, type WholeReason } from './metrics.ts'
import {
  compress,
  readToken,
  sendPush,
  snapshotUrl,
  type PushMethod,
  type PushResult,
  type TokenSource,
} from './push.ts'
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

// Consecutive 409s (and other answers that call for a whole push) answered at once before
// backing off: two jobs pushing the same cluster would otherwise leapfrog each other in a tight loop.
const FREE_CONFLICTS = 3

// After a resolver answered a PATCH as unknown (an older version), whole pushes for this long
// before a delta is tried again: resolvers get upgraded without the job restarting.
const UNSUPPORTED_PAUSE_MS = 10 * 60_000

type Step = { next: 'settled' } | { next: 'conflict' } | { next: 'retry'; afterMs?: number }

interface Prepared {
  method: PushMethod
  revision: number
  body: Buffer
  gzip: boolean
  /** The revision a delta applies to. */
  base?: number
  /** A delta's digest of the resulting snapshot: the resolver's 200 must name the same. */
  digest?: string
  /** Why a PUT is whole. */
  reason?: WholeReason
}

/** What this target holds, as far as the job knows: the offer it last acknowledged, at which revision. */
interface Acked {
  offer: Offer
  revision: number
  /** The digest the resolver said it holds (a PUT's or PATCH's 200), when it said. */
  digest?: string
}

export class Target {
  readonly url: URL
  readonly label: string
  #latest: Offer | undefined
  #accepted: string | undefined
  #rejected: string | undefined
  /** The base of the next delta; undefined sends the whole snapshot, for `#wholeReason`. */
  #acked: Acked | undefined
  #wholeReason: WholeReason = 'first'
  /** No delta before this time (a resolver that does not take them). */
  #deltasFrom = 0
  /** False for a one-shot delivery (--once): no delta will follow, so no digest is computed ahead. */
  #continuing = true
  /** The base revision whose digest disagreement was logged, so it is logged once. */
  #disagreeLogged: number | undefined
  /** The encoded push of one offer from one base: the same bytes for every retry of it. */
  #prepared: { key: string; base: number; body: Promise<Prepared | undefined> } | undefined
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
    this.#continuing = false
    this.#latest = offer
    await this.#run(maxAttempts)
    return offer.key === this.#accepted ? 'accepted' : offer.key === this.#rejected ? 'rejected' : 'failed'
  }

  /** The revision this target acknowledged last, which the next delta applies to (for tests and logs). */
  get base(): number | undefined {
    return this.#acked?.revision
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
    const { method, revision, base, body, gzip, reason } = prepared
    this.log.debug({ target: this.label, method, revision, base, reason, bytes: body.length }, 'pushing')
    if (method === 'PUT') this.metrics.wholePushes.inc({ target: this.label, reason: reason ?? 'first' })
    this.metrics.pushBytes.inc({ target: this.label, method }, body.length)
    const result = await sendPush({ method, url: this.url, body, gzip, token, timeoutMs, signal: this.#abort.signal })
    return this.#handle(result, offer, prepared)
  }

  #handle(result: PushResult, offer: Offer, prepared: Prepared): Step {
    const { method, revision } = prepared
    const log = this.log.child({ target: this.label, method, revision })
    const delta = method === 'PATCH'
    switch (result.kind) {
      case 'accepted':
        if (delta && result.digest !== undefined && result.digest !== prepared.digest) {
          // The contract makes this a 412; a resolver that says 200 anyway is not trusted as a base.
          log.error(
            { digest: prepared.digest, resolverDigest: result.digest },
            'resolver holds another snapshot after the delta; pushing the whole snapshot'
          )
          return this.#wholeNext('mismatch', this.#count('mismatch', { next: 'conflict' }))
        }
        this.#accepted = offer.key
        this.#acked = { offer, revision, ...(result.digest !== undefined ? { digest: result.digest } : {}) }
        // The first delta after a whole push needs this digest and the base's; computing it now,
        // while nothing waits, keeps the canonicalisation of every element off the next change's path.
        if (!delta && this.#continuing) offer.snapshotDigest().catch(() => undefined)
        this.metrics.lastSuccess.set({ target: this.label }, this.#now() / 1000)
        this.metrics.revision.set({ target: this.label }, revision)
        log.info({ names: result.names, base: prepared.base, bytes: prepared.body.length }, 'snapshot accepted')
        return this.#count('accepted', { next: 'settled' })
      case 'conflict':
        // Move past the resolver's revision with the same content (docs/snapshot-format.md § Pushing).
        this.#revision = Math.max(this.#revision, result.current)
        this.#prepared = undefined
        if (delta) {
          log.warn(
            { base: prepared.base, current: result.current },
            'resolver is not at the delta’s base; pushing the whole snapshot'
          )
          return this.#wholeNext('conflict', this.#count('conflict', { next: 'conflict' }))
        }
        log.warn({ current: result.current }, 'resolver holds a newer revision; pushing past it')
        return this.#count('conflict', { next: 'conflict' })
      case 'mismatch':
        log.warn(
          { digest: prepared.digest, resolverDigest: result.digest },
          'resolver’s digest after the delta differs; pushing the whole snapshot'
        )
        return this.#wholeNext('mismatch', this.#count('mismatch', { next: 'conflict' }))
      case 'unsupported':
        this.#deltasFrom = this.#now() + UNSUPPORTED_PAUSE_MS
        log.warn(
          { status: result.status, pauseMs: UNSUPPORTED_PAUSE_MS },
          'resolver does not take deltas; pushing whole snapshots'
        )
        return this.#wholeNext('unsupported', this.#count('unsupported', { next: 'conflict' }))
      case 'rejected':
        if (delta) {
          // Every element was checked before it left, so the resolver's view of the base differs
          // from ours: the whole snapshot settles it, and is refused in turn if it really is bad.
          log.warn(
            { status: result.status, error: result.error, path: result.path },
            'resolver refused the delta; pushing the whole snapshot'
          )
          return this.#wholeNext('refused', this.#count('rejected', { next: 'conflict' }))
        }
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

  /** Forgets the base: the next push is the whole snapshot. */
  #wholeNext(reason: WholeReason, step: Step): Step {
    this.#acked = undefined
    this.#wholeReason = reason
    this.#prepared = undefined
    return step
  }

  #count(outcome: PushOutcome, step: Step): Step {
    this.metrics.pushes.inc({ target: this.label, outcome })
    return step
  }

  /** The encoded push of `offer`: the same bytes (and revision) for every retry of the same content from the same base. */
  #prepare(offer: Offer): Promise<Prepared | undefined> {
    const base = this.#acked !== undefined && this.#now() >= this.#deltasFrom ? this.#acked : undefined
    const baseRevision = base?.revision ?? 0
    if (this.#prepared?.key !== offer.key || this.#prepared.base !== baseRevision) {
      const body = this.#render(offer, base)
      // A failure (an exception, not an invalid document) is not kept for the retries to meet again.
      body.catch(() => {
        if (this.#prepared?.body === body) this.#prepared = undefined
      })
      this.#prepared = { key: offer.key, base: baseRevision, body }
    }
    return this.#prepared.body
  }

  async #render(offer: Offer, base: Acked | undefined): Promise<Prepared | undefined> {
    const { cluster } = this.options
    const revision = nextRevision(this.#revision, this.#now())
    const at = new Date(this.#now())
    // Every document is checked against the shared schema before it leaves (docs/snapshot-format.md):
    // its elements when they were built (assemble.ts), its envelope and stamp here.
    const checked = offer.check(revision, at, cluster)
    if (!checked.ok) {
      this.#rejected = offer.key
      this.log.error(
        { target: this.label, error: checked.error, path: checked.path },
        'built an invalid snapshot; not pushing it'
      )
      return undefined
    }
    // Taken before anything is awaited: a render started meanwhile gets a higher revision.
    this.#revision = revision
    let reason = base === undefined ? (this.#acked === undefined ? this.#wholeReason : 'unsupported') : undefined
    if (base !== undefined) {
      const delta = await this.#delta(offer, base, revision, at)
      if ('method' in delta) return delta
      reason = delta.reason
    }
    const rendered = offer.render(revision, at, cluster)
    if (!rendered.ok) throw new Error(`a checked snapshot failed to render: ${rendered.path}: ${rendered.error}`)
    // Only the encoded bytes are kept for retries; the JSON bytes are dropped once gzipped.
    return { method: 'PUT', revision, reason, ...(await encode(rendered.bytes)) }
  }

  /** The delta from `base` to `offer`, or why the whole snapshot goes instead. */
  async #delta(offer: Offer, base: Acked, revision: number, at: Date): Promise<Prepared | { reason: WholeReason }> {
    const plan = planDelta(base.offer, offer)
    if (plan === undefined) return { reason: 'fields' }
    const [digest, baseDigest] = await Promise.all([offer.snapshotDigest(), base.offer.snapshotDigest()])
    if (base.digest !== undefined && base.digest !== baseDigest) {
      // The resolver and the job disagree on the base already (another canonical form, say):
      // any delta from it would be refused with 412.
      if (this.#disagreeLogged !== base.revision) {
        this.#disagreeLogged = base.revision
        this.log.warn(
          { target: this.label, base: base.revision, digest: baseDigest, resolverDigest: base.digest },
          'resolver’s digest of the acknowledged snapshot differs from the job’s; pushing whole snapshots'
        )
      }
      return { reason: 'disagree' }
    }
    const json = renderDelta(plan, {
      cluster: this.options.cluster,
      baseRevision: base.revision,
      revision,
      generatedAt: at,
      digest,
    })
    if (json.length >= offer.size(revision, at)) return { reason: 'size' }
    return { method: 'PATCH', revision, base: base.revision, digest, ...(await encode(json)) }
  }
}

/** gzip, unless it does not make the body smaller (a delta of a few hundred bytes may not gain). */
async function encode(json: Buffer): Promise<{ body: Buffer; gzip: boolean }> {
  const gzipped = await compress(json)
  return gzipped.length < json.length ? { body: gzipped, gzip: true } : { body: json, gzip: false }
}
