/**
 * Rate limiting per client address (429 with Retry-After). Where the Workers rate-limiting
 * binding is configured it decides; on Node an in-memory token bucket does. Off unless
 * configured, so local development is never throttled.
 */
import type { Context, MiddlewareHandler } from 'hono'

/** True when the request may proceed. */
export type RateLimiter = (key: string) => boolean | Promise<boolean>

/** The Workers rate-limiting binding's shape (`[[ratelimits]]` in wrangler.toml). */
export interface RateLimitBinding {
  limit(options: { key: string }): Promise<{ success: boolean }>
}

export function bindingLimiter(binding: RateLimitBinding): RateLimiter {
  return async (key) => (await binding.limit({ key })).success
}

/**
 * A token bucket per key: `rate` tokens a second, up to `burst`. The table is kept in
 * least-recently-used order and bounded, so address churn costs O(1) and cannot grow memory.
 */
export function tokenBucketLimiter(
  rate: number,
  burst: number,
  now: () => number = Date.now,
  maxKeys = 100_000
): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>()
  return (key) => {
    const t = now()
    let bucket = buckets.get(key)
    if (bucket === undefined) {
      if (buckets.size >= maxKeys) buckets.delete(buckets.keys().next().value!)
      bucket = { tokens: burst, at: t }
    } else {
      buckets.delete(key)
      bucket.tokens = Math.min(burst, bucket.tokens + ((t - bucket.at) / 1000) * rate)
      bucket.at = t
    }
    buckets.set(key, bucket)
    if (bucket.tokens < 1) return false
    bucket.tokens -= 1
    return true
  }
}

export function rateLimit(
  limiter: RateLimiter,
  clientAddress: (c: Context) => string | undefined,
  /** Requests that are not counted: an authenticated push must not be starved by queries. */
  exempt: (c: Context) => Promise<boolean> = async () => false
): MiddlewareHandler {
  return async (c, next) => {
    if (await exempt(c)) return next()
    const key = clientAddress(c) ?? 'unknown'
    if (!(await limiter(key))) {
      return c.json({ error: 'too many requests' }, 429, { 'Retry-After': '1', 'Cache-Control': 'no-store' })
    }
    await next()
  }
}
