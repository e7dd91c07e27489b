/**
 * curl two ways. As a resolver (--doh-url): it resolves a mesh name through meshdoh and then
 * connects, so the name is put on a loopback address (cluster "loop") where a tiny HTTP server
 * reports which address the connection reached; an unknown name fails to resolve. As an
 * RFC 8484 client: wire queries over h2 and http/1.1 (GET and POST), decoded with dns-packet
 * and checked against the exact expected answers (curl's resolver asks only A and AAAA).
 */
import { readFileSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { base64url, decode, rcodeOf, wireQuery, zoneLines } from '../helpers/dns.ts'
import { CASES } from './support/expected.ts'
import { startWithSnapshots, type TestMeshdoh } from './support/meshdoh.ts'
import { metricValue } from './support/metrics.ts'
import { killAll, requireTool, run } from './support/process.ts'
import { removeTempDirs, tempDir } from './support/temp.ts'

let meshdoh: TestMeshdoh
let work: string
const sites: http.Server[] = []
const ports: Record<'v4' | 'v6', number> = { v4: 0, v6: 0 }

/** Answers with the local address the connection reached and the Host it asked for. */
function site(host: string): Promise<number> {
  const server = http.createServer((req, res) => res.end(`${req.socket.localAddress} ${req.headers.host}\n`))
  sites.push(server)
  return new Promise((resolve, reject) => {
    server.once('error', (error) =>
      reject(new Error(`cannot listen on ${host} (is loopback ${host} configured?): ${error.message}`))
    )
    server.listen(0, host, () => resolve((server.address() as AddressInfo).port))
  })
}

beforeAll(async () => {
  requireTool('curl', 'curl')
  work = tempDir()
  meshdoh = await startWithSnapshots({ tls: true })
  ports.v4 = await site('127.0.0.7')
  ports.v6 = await site('::1')
})

afterAll(async () => {
  killAll()
  for (const server of sites) server.close()
  await meshdoh?.server.close()
  removeTempDirs()
})

const curlBase = () => ['-sS', '--max-time', '10', '--cacert', meshdoh.pki!.ca]
const dohUrl = () => `https://localhost:${meshdoh.port}/dns-query`

const nxdomains = () =>
  metricValue(meshdoh.server, 'meshdoh_dns_queries_total', { rcode: 'NXDOMAIN', view: 'anonymous' })

describe('curl --doh-url resolves mesh names through meshdoh, then connects', () => {
  it('success: A — the connection reaches the ClusterIP meshdoh answered (127.0.0.7)', async () => {
    const url = `http://web.interop.svc.cluster.local:${ports.v4}/`
    const result = await run('curl', [...curlBase(), '-v', '-4', '--doh-url', dohUrl(), url])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toContain('DoH A: 127.0.0.7')
    expect(result.stdout).toBe(`127.0.0.7 web.interop.svc.cluster.local:${ports.v4}\n`)
  })

  it('success: AAAA — the connection reaches ::1', async () => {
    const url = `http://web.interop.svc.cluster.local:${ports.v6}/`
    const result = await run('curl', [...curlBase(), '-v', '-6', '--doh-url', dohUrl(), url])
    expect(result.code, result.stderr).toBe(0)
    // curl prints the address uncompressed (0000:…:0001); compare it in canonical form.
    const printed = result.stderr.match(/DoH AAAA: ([0-9a-f:]+)/)?.[1]
    expect(new URL(`http://[${printed}]/`).hostname).toBe('[::1]')
    expect(result.stdout).toBe(`::1 web.interop.svc.cluster.local:${ports.v6}\n`)
  })

  it('not found: NXDOMAIN — curl cannot resolve the name (exit 6) and never connects', async () => {
    const before = await nxdomains()
    const result = await run('curl', [
      ...curlBase(),
      '-v',
      '--doh-url',
      dohUrl(),
      `http://nosuch.interop.svc.cluster.local:${ports.v4}/`,
    ])
    expect(result.code).toBe(6)
    expect(result.stderr).toMatch(/resolve host/i)
    // curl asked A and AAAA; meshdoh answered both NXDOMAIN (not SERVFAIL, not REFUSED).
    expect(await nxdomains()).toBe(before + 2)
  })
})

describe.each([
  { title: 'h2 GET', args: ['--http2'], method: 'GET', version: '2' },
  { title: 'h2 POST', args: ['--http2'], method: 'POST', version: '2' },
  { title: 'http/1.1 GET', args: ['--http1.1'], method: 'GET', version: '1.1' },
  { title: 'http/1.1 POST', args: ['--http1.1'], method: 'POST', version: '1.1' },
])('curl as an RFC 8484 client, $title', ({ args, method, version }) => {
  it.each(CASES)('$title: $name $type', async ({ name, type, rcode, answer, authority }) => {
    const query = wireQuery(name, type, { id: 0 })
    const out = join(work, `${method}-${version}-${name}-${type}.bin`)
    let request = [`${dohUrl()}?dns=${base64url(query)}`]
    if (method === 'POST') {
      writeFileSync(`${out}.q`, query)
      request = ['--data-binary', `@${out}.q`, '-H', 'Content-Type: application/dns-message', dohUrl()]
    }
    const result = await run('curl', [
      ...curlBase(),
      ...args,
      '-H',
      'Accept: application/dns-message',
      '-o',
      out,
      '-w',
      '%{http_version} %{http_code} %{content_type}',
      ...request,
    ])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toBe(`${version} 200 application/dns-message`)
    const message = decode(readFileSync(out))
    expect({
      rcode: rcodeOf(message),
      answer: zoneLines(message.answers),
      authority: zoneLines(message.authorities),
    }).toEqual({ rcode, answer, authority })
  })
})
