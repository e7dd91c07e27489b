/**
 * The two ways the Node server listens. TLS: one node:http2 secure server, ALPN picks h2 or
 * http/1.1 (allowHTTP1). Cleartext, for use behind a TLS-terminating proxy: h2c with prior
 * knowledge (RFC 9113 §3.3; what `dig +http-plain` and proxies speak) and HTTP/1.1 on one
 * port, told apart by the client's first bytes, because node:http2 has no cleartext allowHTTP1.
 * Both apply the same limits (node-limits.ts) to every connection, session and stream.
 */
import http from 'node:http'
import http2 from 'node:http2'
import net, { type Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import type { TrustedProxies } from '../http/client-address.ts'
import type { WireFastPath } from '../http/wire-fast-path.ts'
import type { Drain, RequestListener } from './node-drain.ts'
import { attachStreams } from './node-fast-path.ts'
import { DEFAULT_LIMITS, guardSession, h2Options, StreamBudget, type ConnectionLimits } from './node-limits.ts'

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')

export interface TlsMaterial {
  cert: Buffer
  key: Buffer
}

/** HTTP/1.1 header and request deadlines, checked every second rather than Node's 30 s. */
function boundRequests(server: http.Server | http2.Http2SecureServer, limits: ConnectionLimits): void {
  // Node reads the checking interval when tracking starts; @types/node does not declare it.
  const h1 = server as http.Server & { connectionsCheckingInterval: number }
  h1.headersTimeout = limits.headersMs
  h1.requestTimeout = limits.requestMs
  h1.connectionsCheckingInterval = Math.min(1000, limits.headersMs)
  h1.keepAliveTimeout = limits.idleMs
}

/** What both listeners do with their HTTP/2 side: streams admitted and routed, sessions guarded. */
function serveH2(
  server: http2.Http2Server | http2.Http2SecureServer,
  drain: Drain,
  limits: ConnectionLimits,
  fast: WireFastPath | undefined,
  proxies: TrustedProxies
): void {
  attachStreams(server, new StreamBudget(limits), drain, fast, proxies)
  server.on('session', (session) => {
    guardSession(session, limits)
    drain.session(session)
  })
  server.setTimeout(limits.idleMs)
}

export function tlsServer(
  listener: RequestListener,
  drain: Drain,
  tls: TlsMaterial,
  fast?: WireFastPath,
  limits: ConnectionLimits = DEFAULT_LIMITS,
  proxies: TrustedProxies = []
): http2.Http2SecureServer {
  const server = http2.createSecureServer({
    ...tls,
    ...h2Options(limits),
    allowHTTP1: true,
    handshakeTimeout: limits.handshakeMs,
  })
  server.maxConnections = limits.maxConnections
  boundRequests(server, limits)
  server.on('request', drain.wrap(listener))
  serveH2(server, drain, limits, fast, proxies)
  // An h2 connection is closed through its session; session.socket is a proxy, not this socket.
  server.on('secureConnection', (socket: TLSSocket) => {
    if (socket.alpnProtocol !== 'h2') drain.socket(socket)
  })
  server.on('connection', (socket: Socket) => drain.transport(socket))
  server.on('tlsClientError', (_error, socket) => socket.destroy())
  return server
}

export function cleartextServer(
  listener: RequestListener,
  drain: Drain,
  fast?: WireFastPath,
  limits: ConnectionLimits = DEFAULT_LIMITS,
  proxies: TrustedProxies = []
): net.Server {
  const wrapped = drain.wrap(listener)
  const h1 = http.createServer({}, wrapped)
  boundRequests(h1, limits)
  // h1 never listens itself, so Node would never start checking its deadlines: start it here.
  h1.emit('listening')
  h1.setTimeout(limits.idleMs)
  const h2 = http2.createServer(h2Options(limits), wrapped)
  serveH2(h2, drain, limits, fast, proxies)
  const server = net.createServer((socket) => {
    drain.transport(socket)
    drain.socket(socket)
    sniff(socket, limits.handshakeMs, (isH2) => {
      if (isH2) {
        drain.release(socket)
        h2.emit('connection', socket)
      } else {
        h1.emit('connection', socket)
        // sniff() paused the socket and the http1 server does not resume it (the http2 session
        // reads the put-back bytes itself); once resumed, they reach the parser first.
        process.nextTick(() => socket.resume())
      }
    })
  })
  server.maxConnections = limits.maxConnections
  return server
}

/**
 * Reads until the bytes either are the HTTP/2 preface or cannot be, puts them back, and
 * decides. The deadline runs from the connection's start: trickled bytes do not extend it.
 */
function sniff(socket: Socket, deadlineMs: number, decide: (isH2: boolean) => void): void {
  let seen = Buffer.alloc(0)
  const fail = () => {
    clearTimeout(deadline)
    socket.destroy()
  }
  const deadline = setTimeout(fail, deadlineMs)
  const onData = (chunk: Buffer) => {
    seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk])
    const n = Math.min(seen.length, PREFACE.length)
    const isPrefix = seen.subarray(0, n).equals(PREFACE.subarray(0, n))
    if (isPrefix && n < PREFACE.length) return
    clearTimeout(deadline)
    socket.off('data', onData)
    socket.off('error', fail)
    socket.off('close', fail)
    socket.pause()
    socket.unshift(seen)
    decide(isPrefix)
  }
  socket.on('data', onData)
  socket.on('error', fail)
  socket.on('close', fail)
}
