/** A small HTTP/2 DoH client: checks every contender's answers before it is measured. */
import { readFileSync } from 'node:fs'
import http2 from 'node:http2'
import https from 'node:https'
import type { QueryName } from '../names.ts'
import { dohPath, responseSummary } from '../query.ts'

function get(session: http2.ClientHttp2Session, path: string): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': path, accept: 'application/dns-message' })
    const chunks: Buffer[] = []
    let status = 0
    stream.on('response', (headers) => (status = Number(headers[':status'])))
    stream.on('data', (c: Buffer) => chunks.push(c))
    stream.on('error', reject)
    stream.on('end', () =>
      status === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`${path}: HTTP ${status}`))
    )
  })
}

/** Asks every name over one h2 connection; returns the names answered otherwise than expected. */
export async function wrongAnswers(port: number, cert: string, names: readonly QueryName[]): Promise<string[]> {
  const session = http2.connect(`https://127.0.0.1:${port}`, { ca: readFileSync(cert) })
  try {
    const wrong: string[] = []
    for (let i = 0; i < names.length; i += 50) {
      const batch = names.slice(i, i + 50)
      const replies = await Promise.all(batch.map((q) => get(session, dohPath(q.name))))
      replies.forEach((bytes, k) => {
        const q = batch[k]!
        const { rcode, answers } = responseSummary(bytes)
        if (q.present ? rcode !== 0 || answers === 0 : rcode !== 3)
          wrong.push(`${q.name}: rcode ${rcode}, ${answers} answers`)
      })
    }
    return wrong
  } finally {
    session.close()
  }
}

/** PUT a snapshot over HTTPS (HTTP/1.1), as the sync job does. */
export function pushSnapshot(
  port: number,
  cert: string,
  token: string,
  cluster: string,
  body: string
): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = https.request(
      {
        host: '127.0.0.1',
        port,
        method: 'PUT',
        path: `/v1/snapshots/${cluster}`,
        ca: readFileSync(cert),
        headers: {
          Authorization: `Bearer ${token}`,
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(body),
        },
        timeout: 60_000,
      },
      (response) => {
        let text = ''
        response.on('data', (c: Buffer) => (text += c.toString()))
        response.on('end', () =>
          response.statusCode === 200 ? resolve(text) : reject(new Error(`push: HTTP ${response.statusCode} ${text}`))
        )
      }
    )
    request.on('error', reject)
    request.on('timeout', () => request.destroy(new Error('push timed out')))
    request.end(body)
  })
}
