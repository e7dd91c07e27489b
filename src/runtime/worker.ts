/**
 * The Cloudflare Workers entry: one app per isolate, built from the env on first use, so the
 * compiled registry lives as long as the isolate (README: Storage).
 */
import type { Hono } from 'hono'
import { createApp } from '../http/app.ts'
import { DurableObjectStore, SnapshotStoreObject } from '../store/durable-object.ts'
import { bindingLimiter, tokenBucketLimiter, type RateLimiter } from '../http/rate-limit.ts'
import { parseSettings, type Settings } from './settings.ts'

export { SnapshotStoreObject }

let app: Hono | undefined
let builtFor: Env | undefined

export default {
  fetch(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response> {
    if (app === undefined || builtFor !== env) {
      const settings = parseSettings(env)
      app = createApp({
        store: new DurableObjectStore(env.SNAPSHOTS, 'registry', { freshnessSeconds: settings.freshnessSeconds }),
        settings,
        events: { error: (error) => console.error('meshdoh:', error) },
        rateLimiter: limiterFor(env, settings),
        clientAddress: (c) => c.req.header('cf-connecting-ip'),
      })
      builtFor = env
    }
    return app.fetch(request, env, ctx)
  },
} satisfies ExportedHandler<Env>

/** The `RATE_LIMITER` binding where deployed (README, Security); else a per-isolate bucket if configured. */
function limiterFor(env: Env, settings: Settings): RateLimiter | undefined {
  const binding = env.RATE_LIMITER
  if (binding) return bindingLimiter(binding)
  return settings.rateLimit && tokenBucketLimiter(settings.rateLimit.rate, settings.rateLimit.burst)
}
