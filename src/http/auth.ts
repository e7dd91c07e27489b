/**
 * Push tokens and view ids are secrets: compared in constant time (hono's timingSafeEqual
 * hashes both sides first), and never echoed in answers or logs.
 */
import { timingSafeEqual } from 'hono/utils/buffer'
import type { PushToken } from '../runtime/settings.ts'
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

/** The view a path names, compared against every configured id in constant time. */
export async function findView(views: Map<string, View>, id: string): Promise<View | undefined> {
  let found: View | undefined
  for (const [candidate, view] of views) if (await timingSafeEqual(candidate, id)) found = view
  return found
}
