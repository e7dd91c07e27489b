/**
 * The settings every runtime reads, from Worker vars/secrets or the environment (views.md).
 * Parsing fails loudly at start: a resolver with a typo in its views must not serve.
 */
import { z } from 'zod'
import { parseTrustedProxies, type TrustedProxies } from '../http/client-address.ts'
import type { View } from '../registry/views.ts'

export { EMPTY_VIEW, type View } from '../registry/views.ts'

export interface PushToken {
  /** The cluster the token may push to; undefined for every cluster. */
  cluster?: string
  token: string
}

export interface Settings {
  views: Map<string, View>
  anonymous: boolean
  pushTokens: PushToken[]
  defaultDomain: string
  upstream?: string
  /** Largest accepted snapshot, uncompressed. */
  maxSnapshotBytes: number
  /** How often an isolate asks the store whether a new revision exists. */
  freshnessSeconds: number
  /** After this long unable to read the store, answers carry the EDE "Stale Answer". */
  staleSeconds: number
  /** Queries per second per client address, with a burst; absent: no limit. */
  rateLimit?: { rate: number; burst: number }
  /** Peers whose Forwarded / X-Forwarded-For headers name the client (client-address.ts). */
  trustedProxies: TrustedProxies
}

export type SettingsSource = Record<string, string | undefined>

const viewSchema = z.object({
  namespace: z.string().min(1).optional(),
  cluster: z.string().min(1).optional(),
  search: z.array(z.string().min(1)).default([]),
  autoAllocatedVIPs: z.boolean().default(true),
})

export class SettingsError extends Error {}

function normaliseDomain(name: string): string {
  return name.toLowerCase().replace(/\.$/, '')
}

function parseViews(text: string | undefined): Map<string, View> {
  let raw: unknown
  try {
    raw = JSON.parse(text?.trim() || '{}')
  } catch {
    throw new SettingsError('MESHDOH_VIEWS is not valid JSON')
  }
  const parsed = z.record(z.string().min(1), viewSchema).safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new SettingsError(`MESHDOH_VIEWS: ${issue.path.join('.')}: ${issue.message}`)
  }
  const views = new Map<string, View>()
  for (const [id, view] of Object.entries(parsed.data)) {
    views.set(id, {
      id,
      namespace: view.namespace,
      cluster: view.cluster,
      search: view.search.map(normaliseDomain),
      autoAllocatedVIPs: view.autoAllocatedVIPs,
    })
  }
  return views
}

function parsePushTokens(text: string | undefined): PushToken[] {
  const tokens: PushToken[] = []
  for (const item of (text ?? '').split(',')) {
    const entry = item.trim()
    if (entry === '') continue
    const eq = entry.indexOf('=')
    tokens.push(eq > 0 ? { cluster: entry.slice(0, eq), token: entry.slice(eq + 1) } : { token: entry })
  }
  return tokens
}

export function parseBoolean(name: string, text: string | undefined, fallback: boolean): boolean {
  if (text === undefined || text.trim() === '') return fallback
  const value = text.trim().toLowerCase()
  if (value === 'true' || value === '1' || value === 'yes') return true
  if (value === 'false' || value === '0' || value === 'no') return false
  throw new SettingsError(`${name} must be true or false`)
}

function parsePositive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text.trim() === '') return fallback
  const value = Number(text)
  if (!Number.isFinite(value) || value <= 0) throw new SettingsError(`${name} must be a positive number`)
  return value
}

export function parseSettings(source: SettingsSource): Settings {
  const upstream = source.MESHDOH_UPSTREAM?.trim() || undefined
  if (upstream !== undefined && !/^https?:\/\//.test(upstream)) {
    throw new SettingsError('MESHDOH_UPSTREAM must be an http(s) URL')
  }
  return {
    views: parseViews(source.MESHDOH_VIEWS),
    anonymous: parseBoolean('MESHDOH_ANONYMOUS', source.MESHDOH_ANONYMOUS, true),
    pushTokens: parsePushTokens(source.MESHDOH_PUSH_TOKENS),
    defaultDomain: normaliseDomain(source.MESHDOH_DEFAULT_DOMAIN?.trim() || 'cluster.local'),
    upstream,
    maxSnapshotBytes: parsePositive('MESHDOH_MAX_SNAPSHOT_BYTES', source.MESHDOH_MAX_SNAPSHOT_BYTES, 16 * 1024 * 1024),
    freshnessSeconds: parsePositive('MESHDOH_FRESHNESS_SECONDS', source.MESHDOH_FRESHNESS_SECONDS, 5),
    staleSeconds: parsePositive('MESHDOH_STALE_SECONDS', source.MESHDOH_STALE_SECONDS, 60),
    rateLimit: parseRateLimit(source),
    trustedProxies: trustedProxiesOf(source.MESHDOH_TRUSTED_PROXIES),
  }
}

function trustedProxiesOf(text: string | undefined): TrustedProxies {
  const proxies = parseTrustedProxies(text)
  if (typeof proxies === 'string') throw new SettingsError(`MESHDOH_TRUSTED_PROXIES: ${proxies}`)
  return proxies
}

function parseRateLimit(source: SettingsSource): Settings['rateLimit'] {
  if (!source.MESHDOH_RATE_LIMIT_QPS?.trim()) return undefined
  const rate = parsePositive('MESHDOH_RATE_LIMIT_QPS', source.MESHDOH_RATE_LIMIT_QPS, 1)
  return { rate, burst: parsePositive('MESHDOH_RATE_LIMIT_BURST', source.MESHDOH_RATE_LIMIT_BURST, rate * 2) }
}
