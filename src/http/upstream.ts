/**
 * The optional upstream (docs/views.md MESHDOH_UPSTREAM): a DoH server that answers the names
 * meshdoh does not own, so a VM may send all of its DNS here. RFC 8484 POST, with a timeout;
 * a failure is `undefined`, which the resolver turns into SERVFAIL.
 */
import { decodeResponse } from '../dns/wire.ts'
import type { Answer } from '../dns/types.ts'

export interface UpstreamReply {
  bytes: Uint8Array
  answer: Answer
}

export type Upstream = (message: Uint8Array) => Promise<UpstreamReply | undefined>

export interface UpstreamOptions {
  url: string
  timeoutMs?: number
  /** The fetch to use: the runtime's by default, an in-process server in tests. */
  fetch?: (request: Request) => Promise<Response>
}

export function dohUpstream(options: UpstreamOptions): Upstream {
  const send = options.fetch ?? ((request: Request) => fetch(request))
  const timeoutMs = options.timeoutMs ?? 2000
  return async (message) => {
    try {
      const request = new Request(options.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/dns-message', Accept: 'application/dns-message' },
        body: message as Uint8Array<ArrayBuffer>,
        signal: AbortSignal.timeout(timeoutMs),
      })
      const response = await send(request)
      if (!response.ok) return undefined
      const bytes = new Uint8Array(await response.arrayBuffer())
      const answer = decodeResponse(bytes)
      return answer ? { bytes, answer } : undefined
    } catch {
      return undefined
    }
  }
}
