/**
 * Coalesces bursts of watch events into one build: it fires once nothing changed for `quietMs`,
 * or `maxDelayMs` after the first unflushed change, whichever comes first, so a steady trickle
 * of events cannot postpone a push forever (Istio's PILOT_DEBOUNCE_AFTER / PILOT_DEBOUNCE_MAX).
 * Content that did not change is filtered later, by digest (job.ts, assemble.ts).
 */
export interface DebounceOptions {
  quietMs: number
  maxDelayMs: number
}

export class Debouncer {
  #timer: ReturnType<typeof setTimeout> | undefined
  #first: number | undefined
  #stopped = false

  constructor(
    private readonly fire: () => void,
    private readonly options: DebounceOptions,
    private readonly now: () => number = Date.now
  ) {}

  /** Notes a change; the build runs after the quiet period or at the latest after the max delay. */
  trigger(): void {
    if (this.#stopped) return
    const t = this.now()
    this.#first ??= t
    clearTimeout(this.#timer)
    const wait = Math.max(0, Math.min(this.options.quietMs, this.#first + this.options.maxDelayMs - t))
    this.#timer = setTimeout(() => this.flush(), wait)
  }

  /** Runs the build now and forgets pending changes. */
  flush(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#first = undefined
    if (!this.#stopped) this.fire()
  }

  stop(): void {
    this.#stopped = true
    clearTimeout(this.#timer)
    this.#timer = undefined
  }
}
