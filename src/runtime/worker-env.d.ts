// What a deployment holds beyond wrangler.toml, which `wrangler types` (worker-configuration.d.ts)
// cannot see: the secrets, set with `wrangler secret put` (locally: .dev.vars.example), the
// settings left at their defaults, and a binding a deployment may add. All optional: each may
// be absent (docs/views.md).
interface Env {
  MESHDOH_PUSH_TOKENS?: string
  MESHDOH_PUSH_POLICY?: string
  MESHDOH_UPSTREAM?: string
  MESHDOH_MAX_SNAPSHOT_BYTES?: string
  MESHDOH_FRESHNESS_SECONDS?: string
  MESHDOH_STALE_SECONDS?: string
  MESHDOH_RATE_LIMIT_QPS?: string
  MESHDOH_RATE_LIMIT_BURST?: string
  MESHDOH_TRUSTED_PROXIES?: string
  /** A `[[ratelimits]]` binding; where present, it takes precedence over MESHDOH_RATE_LIMIT_QPS. */
  RATE_LIMITER?: RateLimit
}
