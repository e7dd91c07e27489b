/**
 * Graceful shutdown for HTTP/1.1 and HTTP/2 connections on one port. Node's own close()
 * only stops accepting: HTTP/2 sessions need a GOAWAY (session.close()) and keep-alive
 * HTTP/1.1 sockets would hold the process open. So this tracks requests in flight per
 * connection: at close, idle connections go at once, busy ones after their last response.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Http2ServerRequest, Http2ServerResponse, Http2Session, ServerHttp2Stream } from 'node:http2'
import type { Socket } from 'node:net'

const GRACE_MS = 1000

export type RequestListener = (
  req: IncomingMessage | Http2ServerRequest,
  res: ServerResponse | Http2ServerResponse
) => void

export class Drain {
  readonly #sockets = new Set<Socket>()
  readonly #sessions = new Set<Http2Session>()
  /** Every TCP connection, TLS handshakes in progress included: what the last step destroys. */
  readonly #transports = new Set<Socket>()
  /** HTTP/1.1 requests in flight per socket. */
  readonly #busy = new Map<Socket, number>()
  #inFlight = 0
  #draining = false
  #idle: (() => void) | undefined

  /** A TCP connection as accepted, before TLS or any HTTP. */
  transport(socket: Socket): void {
    this.#transports.add(socket)
    socket.once('close', () => this.#transports.delete(socket))
  }

  /** An HTTP/1.1 connection (or one not yet known to be HTTP/2), to close at shutdown. */
  socket(socket: Socket): void {
    // Accepted just before the listener closed (or still in its TLS handshake then): no request yet.
    if (this.#draining) return void socket.end()
    this.#sockets.add(socket)
    socket.once('close', () => {
      this.#sockets.delete(socket)
      this.#busy.delete(socket)
    })
  }

  /** The connection turned out to be HTTP/2: its session is closed instead (GOAWAY). */
  release(socket: Socket): void {
    this.#sockets.delete(socket)
  }

  session(session: Http2Session): void {
    this.#sessions.add(session)
    session.once('close', () => this.#sessions.delete(session))
    if (this.#draining) session.close()
  }

  /** Wraps the app's listener so every request is counted until its response is done. */
  wrap(listener: RequestListener): RequestListener {
    return (req, res) => {
      this.#inFlight++
      const socket = req.httpVersionMajor === 1 ? (req.socket as Socket) : undefined
      if (socket !== undefined) {
        this.#busy.set(socket, (this.#busy.get(socket) ?? 0) + 1)
        // A keep-alive client that sends one more request while we drain is told to go.
        if (this.#draining) res.setHeader('Connection', 'close')
      }
      res.once('close', () => {
        this.#inFlight--
        if (socket !== undefined) {
          const left = (this.#busy.get(socket) ?? 1) - 1
          this.#busy.set(socket, left)
          if (this.#draining && left === 0) socket.end()
        }
        if (this.#inFlight === 0) this.#idle?.()
      })
      listener(req, res)
    }
  }

  /** An HTTP/2 stream answered without the compatibility layer: counted like a request. */
  stream(stream: ServerHttp2Stream): void {
    this.#inFlight++
    stream.once('close', () => {
      this.#inFlight--
      if (this.#inFlight === 0) this.#idle?.()
    })
  }

  /** Stops new work on open connections, waits for requests in flight (at most `timeoutMs`), closes the rest. */
  async drain(timeoutMs: number): Promise<void> {
    this.#draining = true
    for (const session of this.#sessions) session.close()
    for (const socket of this.#sockets) if ((this.#busy.get(socket) ?? 0) === 0) socket.end()
    if (this.#inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs)
        this.#idle = () => {
          clearTimeout(timer)
          resolve()
        }
      })
    }
    // Responses are written; give closing connections a moment to flush and go, then end
    // whatever is still open: stuck, past the deadline, or a TLS handshake that never finished.
    for (let waited = 0; this.#transports.size > 0 && waited < GRACE_MS; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    for (const session of this.#sessions) session.destroy()
    for (const socket of [...this.#sockets, ...this.#transports]) socket.destroy()
  }
}
