/**
 * Every HTTP/2 stream passes here first: it is admitted against the stream budget
 * (node-limits.ts) or refused. Streams carrying the common DoH GET are then answered straight
 * from the stream event, skipping the compatibility request/response objects, the Web Request
 * and Hono (BENCHMARKS.md: that layer alone costs a third of the ceiling). Every other stream
 * goes to the listener node:http2 installed for the 'request' event, untouched.
 */
import type http2 from 'node:http2'
import { clientAddress, type TrustedProxies } from '../http/client-address.ts'
import type { FastReply, WireFastPath } from '../http/wire-fast-path.ts'
import type { Drain } from './node-drain.ts'
import type { StreamBudget } from './node-limits.ts'

type StreamListener = (
  stream: http2.ServerHttp2Stream,
  headers: http2.IncomingHttpHeaders,
  flags: number,
  rawHeaders: string[]
) => void

export function attachStreams(
  server: http2.Http2Server | http2.Http2SecureServer,
  budget: StreamBudget,
  drain: Drain,
  fast?: WireFastPath,
  proxies: TrustedProxies = []
): void {
  // node:http2 adds exactly one 'stream' listener when a 'request' listener is added.
  const [compat, ...others] = server.listeners('stream') as StreamListener[]
  if (compat === undefined || others.length > 0) throw new Error('expected the http2 compatibility stream listener')
  server.removeListener('stream', compat)
  server.on(
    'stream',
    (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, flags: number, rawHeaders: string[]) => {
      if (!budget.admit(stream)) return
      if ((flags & END_STREAM) === 0) askForTheBody(stream.session)
      const path = headers[':path']
      const reply =
        fast !== undefined && headers[':method'] === 'GET' && typeof path === 'string'
          ? fast(path, clientOf(stream, headers, proxies))
          : undefined
      if (reply === undefined) return compat.call(server, stream, headers, flags, rawHeaders)
      drain.stream(stream)
      if (!(reply instanceof Promise)) return send(stream, reply)
      reply.then(
        (answer) => send(stream, answer),
        // Cannot happen for a checked query; if it does, the app answers it the slow way.
        () => compat.call(server, stream, headers, flags, rawHeaders)
      )
    }
  )
}

const END_STREAM = 0x1
const MAX_WINDOW = 2 ** 31 - 1

/**
 * A request whose HEADERS frame does not end the stream (a POST) has a body to come. A client
 * that writes the body as a second small segment with Nagle's algorithm on holds it until the
 * first is acknowledged, and the kernel delays that ACK (40 ms on Linux) while the server has
 * nothing to send. dnsdist 1.7 is such a client: it sets TCP_NODELAY on its DoH backend
 * connections only from 1.8, and a cache miss through it took 44 ms.
 *
 * So the server sends something at once, for the ACK to ride on: a WINDOW_UPDATE of one byte
 * on the connection, queued here, inside the processing of the HEADERS frame, and written with
 * whatever that processing writes. A miss then takes about 2 ms (README, "Connect a VM"). It is
 * the one frame that fits: a PING is answered with a PING ACK, a small segment of the client's
 * own that Nagle and the delayed ACK then stall in turn (every few queries took 40 ms again),
 * and dnsdist 1.7 fails a query that gets a 100 (Continue). The window grows by a byte per
 * request: past 2^31-1 (billions of POSTs on one connection) this stops, harmlessly.
 */
function askForTheBody(session: http2.Http2Session | undefined): void {
  if (session === undefined || session.destroyed || session.closed) return
  const window = session.state.effectiveLocalWindowSize
  if (window !== undefined && window < MAX_WINDOW) session.setLocalWindowSize(window + 1)
}

function clientOf(
  stream: http2.ServerHttp2Stream,
  headers: http2.IncomingHttpHeaders,
  proxies: TrustedProxies
): string | undefined {
  const peer = stream.session?.socket?.remoteAddress
  if (proxies.length === 0) return peer
  const forwarded = headers.forwarded
  const xForwardedFor = headers['x-forwarded-for']
  return clientAddress(
    peer,
    { forwarded, xForwardedFor: Array.isArray(xForwardedFor) ? xForwardedFor.join(',') : xForwardedFor },
    proxies
  )
}

function send(stream: http2.ServerHttp2Stream, { body, cacheControl }: FastReply): void {
  if (stream.destroyed || stream.closed) return
  stream.respond({
    ':status': 200,
    'content-type': 'application/dns-message',
    'cache-control': cacheControl,
    'content-length': body.length,
  })
  stream.end(body)
}
