/**
 * What one client may hold of the Node server, and for how long. Every bound is absolute:
 * a client that trickles bytes does not reset it (a per-byte idle timer would). Per HTTP/2
 * stream the body a DoH query or push may pin is bounded by the app (65,535 octets, or the
 * push size limit behind a valid token), so streams per session × sessions bounds memory.
 */
import http2 from 'node:http2'

export interface ConnectionLimits {
  /** SETTINGS_MAX_CONCURRENT_STREAMS per HTTP/2 session (unbound 100, nginx 128). */
  maxStreams: number
  /** Open HTTP/2 streams across every session; past it new streams are refused (REFUSED_STREAM). */
  maxOpenStreams: number
  /** TCP connections held at once; past it new ones are closed at accept. */
  maxConnections: number
  /** From the first byte: protocol detection, the TLS handshake, the h2 preface and SETTINGS. */
  handshakeMs: number
  /** HTTP/1.1: from a request's first byte to the end of its headers. */
  headersMs: number
  /** From a request's (or stream's) start to its response's end, body included. */
  requestMs: number
  /** A connection with nothing in flight is closed after this long, pings or not. */
  idleMs: number
}

export const DEFAULT_LIMITS: ConnectionLimits = {
  maxStreams: 100,
  maxOpenStreams: 10_000,
  maxConnections: 10_000,
  handshakeMs: 10_000,
  headersMs: 10_000,
  requestMs: 30_000,
  idleMs: 60_000,
}

const { NGHTTP2_REFUSED_STREAM, NGHTTP2_CANCEL } = http2.constants

/** The part of the HTTP/2 server options the limits set. */
export function h2Options(limits: ConnectionLimits): http2.ServerOptions {
  return {
    settings: { maxConcurrentStreams: limits.maxStreams },
    // Streams the client resets before we answer still count (rapid reset, CVE-2023-44487).
    maxSessionRejectedStreams: 100,
    maxSessionInvalidFrames: 100,
  }
}

/** Counts open streams across every session of one process; refuses past the budget. */
export class StreamBudget {
  #open = 0

  constructor(readonly limits: ConnectionLimits) {}

  get open(): number {
    return this.#open
  }

  /**
   * Takes a slot for `stream` and arms its deadline; false (the stream refused) when the
   * budget is spent. Every stream gets an error listener here, whoever answers it: an error
   * on a stream nobody listens to would end the process.
   */
  admit(stream: http2.ServerHttp2Stream): boolean {
    stream.on('error', ignore)
    if (this.#open >= this.limits.maxOpenStreams) {
      stream.close(NGHTTP2_REFUSED_STREAM)
      return false
    }
    this.#open++
    const deadline = setTimeout(() => stream.close(NGHTTP2_CANCEL), this.limits.requestMs)
    deadline.unref()
    stream.once('close', () => {
      this.#open--
      clearTimeout(deadline)
    })
    return true
  }
}

function ignore(): void {}

/**
 * Guards one HTTP/2 session: its errors are handled (a client's protocol error must not reach
 * the process), it must finish its preface and SETTINGS within the handshake bound, and it is
 * closed once it has had no open stream for the idle bound, whatever frames keep it busy.
 */
export function guardSession(session: http2.ServerHttp2Session, limits: ConnectionLimits): void {
  session.on('error', ignore)
  const handshake = setTimeout(() => session.destroy(), limits.handshakeMs)
  handshake.unref()
  session.once('remoteSettings', () => clearTimeout(handshake))
  let open = 0
  let idleSince = Date.now()
  session.on('stream', (stream: http2.ServerHttp2Stream) => {
    open++
    stream.once('close', () => {
      open--
      idleSince = Date.now()
    })
  })
  const check = Math.max(50, Math.min(1000, limits.idleMs / 4))
  const idle = setInterval(() => {
    if (open === 0 && Date.now() - idleSince >= limits.idleMs) session.close()
  }, check)
  idle.unref()
  session.once('close', () => {
    clearTimeout(handshake)
    clearInterval(idle)
  })
}
