/**
 * The ceiling of any Node DoH server here: node:http2's stream API over TLS, answering every
 * request with one fixed DNS message. No routing, no parsing, no framework.
 * Usage: ceiling.ts <port> <cert.pem> <key.pem>
 */
import { readFileSync } from 'node:fs'
import http2 from 'node:http2'
import { fixedResponse } from '../query.ts'

const [port, cert, key] = process.argv.slice(2) as [string, string, string]
const body = fixedResponse()
const headers = {
  ':status': 200,
  'content-type': 'application/dns-message',
  'content-length': body.length,
  'cache-control': 'max-age=30',
}
const server = http2.createSecureServer({ cert: readFileSync(cert), key: readFileSync(key) })
server.on('stream', (stream) => {
  stream.respond(headers)
  stream.end(body)
})
server.listen(Number(port), '127.0.0.1')
process.on('SIGTERM', () => process.exit(0))
