/** One HTTP/2 request on a node:http2 client session (h2 over TLS, or h2c with prior knowledge). */
import http2 from 'node:http2'

export interface H2Reply {
  status: number
  headers: http2.IncomingHttpHeaders
  body: Buffer
}

export function h2Request(
  session: http2.ClientHttp2Session,
  path: string,
  options: { method?: string; body?: Uint8Array; headers?: Record<string, string> } = {}
): Promise<H2Reply> {
  const stream = session.request({ ':method': options.method ?? 'GET', ':path': path, ...options.headers })
  const reply = h2Reply(stream)
  stream.end(options.body)
  return reply
}

/** Collects the reply of a stream (which the caller ends, now or later). */
export function h2Reply(stream: http2.ClientHttp2Stream): Promise<H2Reply> {
  return new Promise((resolve, reject) => {
    let headers: http2.IncomingHttpHeaders = {}
    const chunks: Buffer[] = []
    stream.on('response', (h) => (headers = h))
    stream.on('data', (chunk: Buffer) => chunks.push(chunk))
    stream.on('end', () => resolve({ status: Number(headers[':status']), headers, body: Buffer.concat(chunks) }))
    stream.on('error', reject)
  })
}

export function h2Connect(
  url: string,
  options: http2.SecureClientSessionOptions = {}
): Promise<http2.ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url, options)
    session.once('connect', () => resolve(session))
    session.once('error', reject)
  })
}
