/**
 * The common DoH request — GET `/dns-query?dns=…` or `/v/{view}/dns-query?dns=…` with a
 * well-formed query — answered without building a Request, a Response or a Hono context:
 * the runtime hands over the path and the client's address, and gets the answer bytes.
 * Anything else (POST, JSON, errors, other paths) returns undefined and goes through the app,
 * which stays the one place that defines every status code.
 */
import type { Settings } from '../runtime/settings.ts'
import { PublishedViews } from '../registry/published-views.ts'
import type { View } from '../registry/views.ts'
import { findView } from './auth.ts'
import { decodeBase64Url } from './doh.ts'
import type { RateLimiter } from './rate-limit.ts'
import type { Resolver } from './resolver.ts'

export interface FastReply {
  body: Uint8Array
  cacheControl: string
}

export type WireFastPath = (
  path: string,
  clientAddress: string | undefined
) => FastReply | Promise<FastReply> | undefined

const ANONYMOUS = /^\/dns-query\?dns=([A-Za-z0-9_-]+={0,2})$/
const VIEWED = /^\/v\/([^/?]+)\/dns-query\?dns=([A-Za-z0-9_-]+={0,2})$/

export function wireFastPath(
  resolver: Resolver,
  settings: Settings,
  rateLimiter?: RateLimiter,
  published: () => PublishedViews | undefined = () => PublishedViews.NONE
): WireFastPath {
  return (path, clientAddress) => {
    let view: View | undefined
    let dns: string
    const anonymous = ANONYMOUS.exec(path)
    if (anonymous !== null) {
      if (!settings.anonymous) return undefined
      view = settings.anonymousView
      dns = anonymous[1]!
    } else {
      const viewed = VIEWED.exec(path)
      if (viewed === null) return undefined
      const id = decodeURIComponentSafe(viewed[1]!)
      view = findView(settings.views, id)
      if (view === undefined) {
        const views = published()
        if (views === undefined) return undefined
        view = views.find(id)
        if (view === undefined) return undefined
      }
      dns = viewed[2]!
    }
    if (dns.length < 16) return undefined // under 12 octets: not a DNS message, the app says 400
    if (rateLimiter !== undefined) {
      const allowed = rateLimiter(clientAddress ?? 'unknown')
      // An asynchronous limiter (a binding) or a refusal: the app answers, 429 included.
      if (allowed !== true) return undefined
    }
    const head = decodeBase64Url(dns.slice(0, 4))
    if (head === undefined) return undefined
    const key = resolver.cacheTextKey(view.id, dns, head[2]!)
    const cached = key === undefined ? undefined : resolver.cachedText(key, (head[0]! << 8) | head[1]!, view)
    if (cached !== undefined) return cached
    const bytes = decodeBase64Url(dns)
    if (bytes === undefined || bytes.length < 12 || bytes.length > 65535) return undefined
    return resolver.wire(bytes, view, key).then((reply) => {
      if (!reply.ok) throw new Error('a checked query was refused by the parser')
      return reply
    })
  }
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}
