/**
 * Exponential backoff with "equal jitter" (AWS Architecture Blog, "Exponential Backoff And
 * Jitter", 2015): half of each step is fixed, half random, so retries spread out across
 * replicas and targets while every wait still grows with the attempt number.
 */

export interface BackoffOptions {
  baseMs: number
  maxMs: number
}

/** The wait before retry number `attempt` (0 for the first retry). */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const step = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 30))
  return step / 2 + random() * (step / 2)
}

// client-go's reflector starts its backoff over after two quiet minutes
// (k8s.io/client-go/tools/cache reflector.go, NewExponentialBackoffManager(…, 2*time.Minute, …)).
export const BACKOFF_RESET_MS = 2 * 60_000

/**
 * The waits of one retry loop that lives for the whole run (an informer's restarts): a failure
 * after `resetAfterMs` without one starts over from the base, so isolated failures hours apart
 * each wait the shortest step instead of adding up to the longest.
 */
export class Backoff {
  #failures = 0
  #lastFailure = -Infinity

  constructor(
    private readonly options: BackoffOptions,
    private readonly now: () => number = Date.now,
    private readonly resetAfterMs = BACKOFF_RESET_MS
  ) {}

  /** The wait before retrying the failure that just happened. */
  next(): number {
    const at = this.now()
    if (at - this.#lastFailure >= this.resetAfterMs) this.#failures = 0
    this.#lastFailure = at
    return backoffDelay(this.#failures++, this.options)
  }

  /** A success that proves the way is clear (a whole list read): the next failure starts over. */
  reset(): void {
    this.#failures = 0
  }
}

/** Resolves after `ms`, or at once when `signal` aborts; never rejects. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const done = () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
  })
}
