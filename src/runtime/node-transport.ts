/**
 * The two ways the Node server listens. TLS: one node:http2 secure server, ALPN picks h2 or
 * http/1.1 (allowHTTP1). Cleartext, for use behind a TLS-terminating proxy: h2c with prior
 * knowledge (RFC 9113 §3.3; what `dig +http-plain` and proxies speak) and HTTP/1.1 on one
 * port, told apart by the client's first bytes, because node:http2 has no cleartext allowHTTP1.
 */
import http from 'node:http'
import http2 from 'node:http2'
import net, { type Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import type { WireFastPath } from '../http/wire-fast-path.ts'
import type { Drain, RequestListener } from './node-drain.ts'
import { attachWireFastPath } from './node-fast-path.ts'

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')
/** A connection that says nothing for this long is dropped before any server sees it. */
const SNIFF_TIMEOUT_MS = 10_000
/** Idle HTTP/2 sessions and HTTP/1.1 sockets are closed after this long. */
const IDLE_TIMEOUT_MS = 120_000

export interface TlsMaterial {
  cert: Buffer
  key: Buffer
}

export function tlsServer(
  listener: RequestListener,
  drain: Drain,
  tls: TlsMaterial,
  fast?: WireFastPath
): http2.Http2SecureServer {
  const server = http2.createSecureServer({ ...tls, allowHTTP1: true })
  server.on('request', drain.wrap(listener))
  if (fast) attachWireFastPath(server, fast, drain)
  // An h2 connection is closed through its session; session.socket is a proxy, not this socket.
  server.on('secureConnection', (socket: TLSSocket) => {
    if (socket.alpnProtocol !== 'h2') drain.socket(socket)
  })
  server.on('connection', (socket: Socket) => drain.transport(socket))
  server.on('session', (session) => drain.session(session))
  server.setTimeout(IDLE_TIMEOUT_MS)
  return server
}

export function cleartextServer(listener: RequestListener, drain: Drain, fast?: WireFastPath): net.Server {
  const wrapped = drain.wrap(listener)
  const h1 = http.createServer({ keepAliveTimeout: IDLE_TIMEOUT_MS }, wrapped)
  // h1 never listens itself, so its headers/request timeouts never start: bound idle sockets instead.
  h1.setTimeout(IDLE_TIMEOUT_MS)
  const h2 = http2.createServer({}, wrapped)
  if (fast) attachWireFastPath(h2, fast, drain)
  h2.on('session', (session) => drain.session(session))
  h2.setTimeout(IDLE_TIMEOUT_MS)
  return net.createServer((socket) => {
    drain.transport(socket)
    drain.socket(socket)
    sniff(socket, (isH2) => {
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
}

/** Reads until the bytes either are the HTTP/2 preface or cannot be, puts them back, and decides. */
function sniff(socket: Socket, decide: (isH2: boolean) => void): void {
  let seen = Buffer.alloc(0)
  const fail = () => socket.destroy()
  const onData = (chunk: Buffer) => {
    seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk])
    const n = Math.min(seen.length, PREFACE.length)
    const isPrefix = seen.subarray(0, n).equals(PREFACE.subarray(0, n))
    if (isPrefix && n < PREFACE.length) return
    socket.off('data', onData)
    socket.off('error', fail)
    socket.off('timeout', fail)
    socket.setTimeout(0)
    socket.pause()
    socket.unshift(seen)
    decide(isPrefix)
  }
  socket.on('data', onData)
  socket.on('error', fail)
  socket.on('timeout', fail)
  socket.setTimeout(SNIFF_TIMEOUT_MS)
}
