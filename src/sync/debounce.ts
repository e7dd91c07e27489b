/**
 * Coalesces bursts of watch events into one build: it fires once nothing changed for `quietMs`,
 * or `maxDelayMs` after the first unflushed change, whichever comes first, so a steady trickle
 * of events cannot postpone a push forever (Istio's PILOT_DEBOUNCE_AFTER / PILOT_DEBOUNCE_MAX).
 * Content that did not change is filtered later, by digest (job.ts, assemble.ts).
 *
 * Halfway through a quiet period it also calls `settling`: the job builds then, so that when
 * the period ends without another change the snapshot is ready to send (job.ts).
 */
export interface DebounceOptions {
  quietMs: number
  maxDelayMs: number
}

export class Debouncer {
  #timer: ReturnType<typeof setTimeout> | undefined
  #settling: ReturnType<typeof setTimeout> | undefined
  #first: number | undefined
  #stopped = false

  constructor(
    private readonly fire: () => void,
    private readonly options: DebounceOptions,
    private readonly settling: () => void = () => {},
    private readonly now: () => number = Date.now
  ) {}

  /** Notes a change; the build runs after the quiet period or at the latest after the max delay. */
  trigger(): void {
    if (this.#stopped) return
    const t = this.now()
    this.#first ??= t
    clearTimeout(this.#timer)
    clearTimeout(this.#settling)
    const wait = Math.max(0, Math.min(this.options.quietMs, this.#first + this.options.maxDelayMs - t))
    this.#timer = setTimeout(() => this.flush(), wait)
    // With a millisecond or two left (the max delay), there is no halfway to speak of.
    if (wait >= 2) this.#settling = setTimeout(() => this.settling(), wait / 2)
  }

  /** Runs the build now and forgets pending changes. */
  flush(): void {
    clearTimeout(this.#timer)
    clearTimeout(this.#settling)
    this.#timer = undefined
    this.#first = undefined
    if (!this.#stopped) this.fire()
  }

  stop(): void {
    this.#stopped = true
    clearTimeout(this.#timer)
    clearTimeout(this.#settling)
    this.#timer = undefined
  }
}
