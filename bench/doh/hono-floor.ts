/**
 * The framework floor: the transport meshdoh's Node server uses (node:http2 over TLS with
 * allowHTTP1, @hono/node-server's request listener) and a Hono app answering GET /dns-query
 * with one fixed DNS message. Between the ceiling and meshdoh, it shows what the framework costs.
 * Usage: hono-floor.ts <port> <cert.pem> <key.pem>
 */
import { getRequestListener } from '@hono/node-server'
import { Hono } from 'hono'
import { readFileSync } from 'node:fs'
import http2 from 'node:http2'
import { fixedResponse } from '../query.ts'

const [port, cert, key] = process.argv.slice(2) as [string, string, string]
const body = fixedResponse()
const app = new Hono()
app.get('/dns-query', (c) =>
  c.body(body, 200, { 'Content-Type': 'application/dns-message', 'Cache-Control': 'max-age=30' })
)
const server = http2.createSecureServer({ cert: readFileSync(cert), key: readFileSync(key), allowHTTP1: true })
server.on('request', getRequestListener(app.fetch))
server.listen(Number(port), '127.0.0.1')
process.on('SIGTERM', () => process.exit(0))
