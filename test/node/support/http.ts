/** HTTP/1.1 requests with node:http(s), which (unlike fetch) take the test CA per request. */
import http from 'node:http'
import https from 'node:https'
import type tls from 'node:tls'

export interface Reply {
  status: number
  headers: http.IncomingHttpHeaders
  body: Buffer
  /** The ALPN protocol the TLS handshake chose (false without TLS or ALPN). */
  alpn: string | false
}

export interface SendOptions {
  method?: string
  headers?: Record<string, string>
  body?: string | Uint8Array
  ca?: string | Buffer
  /** TLS only: the protocols offered in ALPN. */
  alpn?: string[]
  timeoutMs?: number
}

export function send(url: string, options: SendOptions = {}): Promise<Reply> {
  const target = new URL(url)
  const client = target.protocol === 'https:' ? https : http
  const requestOptions: https.RequestOptions = {
    method: options.method ?? 'GET',
    headers: options.headers,
    ca: options.ca,
    // Passed on to tls.connect, which https.RequestOptions does not declare.
    ...({ ALPNProtocols: options.alpn } satisfies tls.ConnectionOptions),
    agent: false,
    timeout: options.timeoutMs ?? 10_000,
  }
  return new Promise((resolve, reject) => {
    const request = client.request(target, requestOptions, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () => {
        const socket = response.socket as { alpnProtocol?: string | false }
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks),
          alpn: socket.alpnProtocol ?? false,
        })
      })
      response.on('error', reject)
    })
    request.on('timeout', () => request.destroy(new Error(`${url} timed out`)))
    request.on('error', reject)
    request.end(options.body)
  })
}
