/**
 * dnsdist 1.7 as the VM-side stub: it listens on loopback UDP and TCP, sends the cluster
 * domain (and the service CIDR's reverse zone) to meshdoh over DoH (outgoing DoH exists since
 * dnsdist 1.7.0: newServer{tls, dohPath}), verified against the test CA, with health checks
 * over the same DoH path, and refuses everything else (in production: the usual resolver).
 * Plain `dig @127.0.0.1 -p PORT` through it gets the exact expected answers.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ChildProcess } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { viewLabel } from '../../src/runtime/node-metrics.ts'
import { CASES, readPresentation } from './support/expected.ts'
import { startWithSnapshots, type TestMeshdoh } from './support/meshdoh.ts'
import { metricValue } from './support/metrics.ts'
import { freePort } from './support/ports.ts'
import { kill, killAll, requireTool, run, start, waitForLine } from './support/process.ts'
import { removeTempDirs, tempDir } from './support/temp.ts'

const VIEW = 'vm-bookinfo'
let meshdoh: TestMeshdoh
let dnsdist: ChildProcess
let port: number

/** The same shape as the README's "Connect a VM" configuration, with test paths and ports. */
function config(listen: number): string {
  return `
setSecurityPollSuffix('')
setLocal('127.0.0.1:${listen}')
newServer({
  address = '127.0.0.1:${meshdoh.port}', name = 'meshdoh', pool = 'mesh',
  tls = 'openssl', subjectName = 'localhost', validateCertificates = true, caStore = '${meshdoh.pki!.ca}',
  dohPath = '/v/${VIEW}/dns-query',
  checkName = 'cluster.local.', checkType = 'SOA', mustResolve = true,
})
local mesh = newSuffixMatchNode()
mesh:add('cluster.local')
mesh:add('96.10.in-addr.arpa')
addAction(SuffixMatchNodeRule(mesh), PoolAction('mesh'))
addAction(AllRule(), RCodeAction(DNSRCode.REFUSED))
`
}

async function dig(args: string[]) {
  const result = await run('dig', ['@127.0.0.1', '-p', String(port), '+tries=1', '+timeout=3', ...args])
  return { ...readPresentation(result.stdout), stdout: result.stdout + result.stderr }
}

beforeAll(async () => {
  requireTool('dnsdist', 'dnsdist')
  requireTool('dig', 'bind9-dnsutils')
  const version = await run('dnsdist', ['--version'])
  if (!version.stdout.includes('outgoing-dns-over-https'))
    throw new Error(`this dnsdist has no outgoing DoH:\n${version.stdout}`)
  meshdoh = await startWithSnapshots({ tls: true })
  port = await freePort()
  const file = join(tempDir(), 'dnsdist.conf')
  writeFileSync(file, config(port))
  const check = await run('dnsdist', ['--check-config', '-C', file])
  expect(check.code, check.stdout + check.stderr).toBe(0)
  dnsdist = start('dnsdist', ['--supervised', '--disable-syslog', '-C', file])
  await waitForLine(dnsdist, new RegExp(`Listening on 127\\.0\\.0\\.1:${port}`), 10_000)
  // Ready once a mesh name comes back through it (the backend is up and the DoH path works).
  for (let i = 0; ; i++) {
    if ((await dig([CASES[0]!.name, 'A'])).rcode === 'NOERROR') break
    if (i === 40) throw new Error('dnsdist never answered through meshdoh')
    await new Promise((r) => setTimeout(r, 250))
  }
}, 30_000)

afterAll(async () => {
  if (dnsdist) kill(dnsdist)
  killAll()
  await meshdoh?.server.close()
  removeTempDirs()
})

describe.each([
  { title: 'UDP', args: [] as string[] },
  { title: 'TCP', args: ['+tcp'] },
])('dig through dnsdist over $title', ({ args }) => {
  it.each(CASES)('$title: $name $type', async ({ name, type, rcode, answer, authority }) => {
    const got = await dig([...args, name, type])
    expect({ rcode: got.rcode, answer: got.answer, authority: got.authority }, got.stdout).toEqual({
      rcode,
      answer,
      authority,
    })
  })
})

describe('dnsdist routing', () => {
  it('mesh names reach meshdoh on the VM view URL, and so do the health checks (SOA, every second)', async () => {
    const view = viewLabel(VIEW)
    expect(
      await metricValue(meshdoh.server, 'meshdoh_dns_queries_total', { view, type: 'PTR', rcode: 'NOERROR' })
    ).toBeGreaterThanOrEqual(2)
    const soa = () => metricValue(meshdoh.server, 'meshdoh_dns_queries_total', { view, type: 'SOA', rcode: 'NOERROR' })
    for (let i = 0; i < 30 && (await soa()) === 0; i++) await new Promise((r) => setTimeout(r, 100))
    expect(await soa()).toBeGreaterThan(0)
  })

  it('refused: names outside the cluster domain never reach meshdoh', async () => {
    // Counted by type A: dnsdist's SOA health checks reach meshdoh every second meanwhile.
    const before = await metricValue(meshdoh.server, 'meshdoh_dns_queries_total', { type: 'A' })
    expect(before).toBeGreaterThan(0) // the A queries of the tests above were counted
    const got = await dig(['example.com', 'A'])
    expect(got.rcode).toBe('REFUSED')
    expect(await metricValue(meshdoh.server, 'meshdoh_dns_queries_total', { type: 'A' })).toBe(before)
  })
})
