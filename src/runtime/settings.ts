/**
 * The settings every runtime reads, from Worker vars/secrets or the environment (docs/views.md).
 * Parsing fails loudly at start: a resolver with a typo in its views must not serve.
 */
import { z } from 'zod'
import { parseTrustedProxies, type TrustedProxies } from '../http/client-address.ts'
import { makePublishPolicy, type ClusterPolicy, type PublishPolicy } from '../registry/publish-policy.ts'
import { dnsLabel, dnsName } from '../registry/schema.ts'
import { EMPTY_VIEW, type View } from '../registry/views.ts'

export { EMPTY_VIEW, type View }

export interface PushToken {
  /** The cluster the token may push to; undefined for every cluster. */
  cluster?: string
  token: string
}

export interface Settings {
  views: Map<string, View>
  /** The view of `/dns-query` and `/resolve`: no namespace, cluster or search list. */
  anonymousView: View
  /** What each cluster may publish, and which clusters are confined (publish-policy.ts). */
  publishPolicy: PublishPolicy
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

/**
 * What parseSettings reads, by name: so that a Worker's Env, whose vars and secrets sit beside
 * its bindings, is one as it stands, and so is any SettingsSource.
 */
export type SettingsInput = {
  readonly [
    Name in
      | 'MESHDOH_VIEWS'
      | 'MESHDOH_ANONYMOUS'
      | 'MESHDOH_PUSH_TOKENS'
      | 'MESHDOH_PUSH_POLICY'
      | 'MESHDOH_DEFAULT_DOMAIN'
      | 'MESHDOH_UPSTREAM'
      | 'MESHDOH_MAX_SNAPSHOT_BYTES'
      | 'MESHDOH_FRESHNESS_SECONDS'
      | 'MESHDOH_STALE_SECONDS'
      | 'MESHDOH_RATE_LIMIT_QPS'
      | 'MESHDOH_RATE_LIMIT_BURST'
      | 'MESHDOH_TRUSTED_PROXIES'
  ]?: string
}

// Strict: a misspelt key (`namepsace`) must stop the start, not silently widen the view.
const viewSchema = z.strictObject({
  namespace: dnsLabel.optional(),
  cluster: dnsLabel.optional(),
  search: z.array(dnsName).default([]),
  autoAllocatedVIPs: z.boolean().default(true),
})

const namespacePattern = z
  .string()
  .regex(
    /^(\*|[a-z0-9][a-z0-9-]{0,62}\*|[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)$/,
    'must be a namespace, "prefix-*" or "*"'
  )
const hostPattern = z
  .string()
  .refine(
    (p) => p === '*' || dnsName.safeParse(p.startsWith('*.') ? p.slice(2) : p).success,
    'must be a host, "*.suffix" or "*"'
  )
const clusterPolicySchema = z.strictObject({
  namespaces: z.array(namespacePattern).optional(),
  hosts: z.array(hostPattern).optional(),
  sameness: z.array(namespacePattern).optional(),
})

export class SettingsError extends Error {}

function normaliseDomain(name: string): string {
  return name.toLowerCase().replace(/\.$/, '')
}

function issueText(error: z.ZodError): string {
  const issue = error.issues[0]!
  return `${issue.path.join('.')}: ${issue.message}`
}

function parseJsonSetting(name: string, text: string | undefined): unknown {
  try {
    return JSON.parse(text?.trim() || '{}')
  } catch {
    throw new SettingsError(`${name} is not valid JSON`)
  }
}

function parsePublishPolicy(text: string | undefined, tokens: PushToken[]): PublishPolicy {
  const parsed = z.record(dnsLabel, clusterPolicySchema).safeParse(parseJsonSetting('MESHDOH_PUSH_POLICY', text))
  if (!parsed.success) throw new SettingsError(`MESHDOH_PUSH_POLICY: ${issueText(parsed.error)}`)
  const policies = new Map<string, Partial<ClusterPolicy>>(Object.entries(parsed.data))
  const confined = new Set(tokens.flatMap((t) => (t.cluster === undefined ? [] : [t.cluster])))
  return makePublishPolicy(policies, confined)
}

function parseViews(text: string | undefined, scope: PublishPolicy): Map<string, View> {
  const raw = parseJsonSetting('MESHDOH_VIEWS', text)
  const parsed = z.record(z.string().min(1), viewSchema).safeParse(raw)
  if (!parsed.success) throw new SettingsError(`MESHDOH_VIEWS: ${issueText(parsed.error)}`)
  const views = new Map<string, View>()
  for (const [id, view] of Object.entries(parsed.data)) {
    views.set(id, {
      id,
      namespace: view.namespace,
      cluster: view.cluster,
      search: view.search.map(normaliseDomain),
      autoAllocatedVIPs: view.autoAllocatedVIPs,
      scope,
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
    tokens.push(eq > 0 ? { cluster: entry.slice(0, eq).trim(), token: entry.slice(eq + 1).trim() } : { token: entry })
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

export function parseSettings(source: SettingsInput): Settings {
  const upstream = source.MESHDOH_UPSTREAM?.trim() || undefined
  if (upstream !== undefined && !/^https?:\/\//.test(upstream)) {
    throw new SettingsError('MESHDOH_UPSTREAM must be an http(s) URL')
  }
  const pushTokens = parsePushTokens(source.MESHDOH_PUSH_TOKENS)
  const publishPolicy = parsePublishPolicy(source.MESHDOH_PUSH_POLICY, pushTokens)
  return {
    views: parseViews(source.MESHDOH_VIEWS, publishPolicy),
    anonymousView: Object.freeze({ ...EMPTY_VIEW, scope: publishPolicy }),
    publishPolicy,
    anonymous: parseBoolean('MESHDOH_ANONYMOUS', source.MESHDOH_ANONYMOUS, true),
    pushTokens,
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

function parseRateLimit(source: SettingsInput): Settings['rateLimit'] {
  if (!source.MESHDOH_RATE_LIMIT_QPS?.trim()) return undefined
  const rate = parsePositive('MESHDOH_RATE_LIMIT_QPS', source.MESHDOH_RATE_LIMIT_QPS, 1)
  return { rate, burst: parsePositive('MESHDOH_RATE_LIMIT_BURST', source.MESHDOH_RATE_LIMIT_BURST, rate * 2) }
}
