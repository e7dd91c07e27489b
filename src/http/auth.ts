/**
 * Push tokens and view ids are secrets: compared in constant time (hono's timingSafeEqual
 * hashes both sides first), and never echoed in answers or logs.
 */
import { timingSafeEqual } from 'hono/utils/buffer'
import type { PushToken } from '../runtime/settings.ts'
import type { PublishedViews } from '../registry/published-views.ts'
import type { View } from '../registry/views.ts'

function bearer(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')
  return match?.[1]
}

/** Whether the Authorization header carries a token allowed to push to `cluster`. */
export async function mayPush(tokens: PushToken[], header: string | undefined, cluster: string): Promise<boolean> {
  const presented = bearer(header)
  if (presented === undefined) return false
  let allowed = false
  // Every token is compared, so the time taken does not tell which one nearly matched.
  for (const token of tokens) {
    const equal = await timingSafeEqual(token.token, presented)
    if (equal && (token.cluster === undefined || token.cluster === cluster)) allowed = true
  }
  return allowed
}

/**
 * The clusters the presented token may push: 'all' for an unbound token, a set for bound
 * ones, undefined for none. `GET /v1/snapshots` lists exactly these.
 */
export async function pushScope(
  tokens: PushToken[],
  header: string | undefined
): Promise<'all' | Set<string> | undefined> {
  const presented = bearer(header)
  if (presented === undefined) return undefined
  let all = false
  const clusters = new Set<string>()
  for (const token of tokens) {
    if (!(await timingSafeEqual(token.token, presented))) continue
    if (token.cluster === undefined) all = true
    else clusters.add(token.cluster)
  }
  return all ? 'all' : clusters.size > 0 ? clusters : undefined
}

/** Whether the Authorization header carries any configured push token (pushes skip the query rate limit). */
export async function holdsPushToken(tokens: PushToken[], header: string | undefined): Promise<boolean> {
  const presented = bearer(header)
  if (presented === undefined) return false
  let held = false
  for (const token of tokens) if (await timingSafeEqual(token.token, presented)) held = true
  return held
}

/**
 * Compares without an early exit: the time depends on the lengths only, never on where the
 * strings differ. Synchronous, because it runs on the DoH hot path.
 */
function constantTimeEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length
  const length = Math.max(a.length, b.length)
  for (let i = 0; i < length; i++) diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0)
  return diff === 0
}

/** The view a path names, compared against every configured id, each in constant time. */
export function findView(views: Map<string, View>, id: string): View | undefined {
  let found: View | undefined
  for (const [candidate, view] of views) if (constantTimeEqual(candidate, id)) found = view
  return found
}

/**
 * The view a path names: MESHDOH_VIEWS first, then the views the held snapshots publish
 * (digests only, published-views.ts). The operator's own setting wins where both name an id:
 * it is written by whoever deploys the resolver, a published view by whoever holds a push
 * token, and a token must not be able to take a VM over from the operator.
 */
export function findAnyView(configured: Map<string, View>, published: PublishedViews, id: string): View | undefined {
  return findView(configured, id) ?? published.find(id)
}
