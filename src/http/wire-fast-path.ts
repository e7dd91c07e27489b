/**
 * The common DoH request — GET `/dns-query?dns=…` or `/v/{view}/dns-query?dns=…` with a
 * well-formed query — answered without building a Request, a Response or a Hono context:
 * the runtime hands over the path and the client's address, and gets the answer bytes.
 * Anything else (POST, JSON, errors, other paths) returns undefined and goes through the app,
 * which stays the one place that defines every status code.
 */
import type { Settings } from '../runtime/settings.ts'
import { EMPTY_VIEW, type View } from '../registry/views.ts'
import { findView } from './auth.ts'
import { decodeBase64Url } from './doh.ts'
import type { RateLimiter } from './rate-limit.ts'
import type { Resolver } from './resolver.ts'

export interface FastReply {
  body: Uint8Array
  cacheControl: string
}

export type WireFastPath = (path: string, clientAddress: string | undefined) => Promise<FastReply> | undefined

const ANONYMOUS = /^\/dns-query\?dns=([A-Za-z0-9_-]+={0,2})$/
const VIEWED = /^\/v\/([^/?]+)\/dns-query\?dns=([A-Za-z0-9_-]+={0,2})$/

export function wireFastPath(resolver: Resolver, settings: Settings, rateLimiter?: RateLimiter): WireFastPath {
  return (path, clientAddress) => {
    let view: View | undefined
    let dns: string
    const anonymous = ANONYMOUS.exec(path)
    if (anonymous !== null) {
      if (!settings.anonymous) return undefined
      view = EMPTY_VIEW
      dns = anonymous[1]!
    } else {
      const viewed = VIEWED.exec(path)
      if (viewed === null) return undefined
      view = findView(settings.views, decodeURIComponentSafe(viewed[1]!))
      if (view === undefined) return undefined
      dns = viewed[2]!
    }
    const bytes = decodeBase64Url(dns)
    if (bytes === undefined || bytes.length < 12 || bytes.length > 65535) return undefined
    if (rateLimiter !== undefined) {
      const allowed = rateLimiter(clientAddress ?? 'unknown')
      // An asynchronous limiter (a binding) or a refusal: the app answers, 429 included.
      if (allowed !== true) return undefined
    }
    return resolver.wire(bytes, view).then((reply) => {
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
