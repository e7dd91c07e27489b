/**
 * dnsdist 1.7 as the VM-side stub, running the configuration the docs print
 * (deploy/vm/dnsdist.conf, what `meshdoh vm` writes for the README's example, shown verbatim in
 * deploy/node/README.md) with only its
 * addresses, ports and CA path made local. It listens on loopback UDP and TCP, sends the
 * cluster domain and the service CIDRs' reverse zones to meshdoh over DoH (outgoing DoH exists
 * since dnsdist 1.7.0: newServer{tls, dohPath}), verified against the test CA, with health
 * checks over the same DoH path, and everything else to a stand-in for the usual resolver.
 * Plain `dig @127.0.0.1 -p PORT` through it gets the exact expected answers.
 */
import { Buffer } from 'node:buffer'
import { createSocket, type Socket } from 'node:dgram'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ChildProcess } from 'node:child_process'
import * as packet from 'dns-packet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { viewLabel } from '../../src/runtime/node-metrics.ts'
import { parseSettings } from '../../src/runtime/settings.ts'
import views from '../fixtures/views.json' with { type: 'json' }
import { CASES, readPresentation } from './support/expected.ts'
import { TOKEN, startWithSnapshots, type TestMeshdoh } from './support/meshdoh.ts'
import { metricValue } from './support/metrics.ts'
import { freePort } from './support/ports.ts'
import { kill, killAll, requireTool, run, start, waitForLine } from './support/process.ts'
import { removeTempDirs, tempDir } from './support/temp.ts'

const PRINTED = readFileSync(new URL('../../deploy/vm/dnsdist.conf', import.meta.url), 'utf8')
// The printed view id is the test's own, so the dohPath runs as printed.
const VIEW = 'REPLACE-WITH-THE-VIEW-ID'
const USUAL_ANSWER = '192.0.2.53'

let meshdoh: TestMeshdoh
let dnsdist: ChildProcess
let usual: Socket
const usualQueries: string[] = []
let dnsdistLog = ''
let meshdohClosed = false
let port: number

/** Replaces each key of `values` in `text`, all at once; each must occur exactly once. */
function substitute(text: string, values: Record<string, string>): string {
  for (const key of Object.keys(values)) expect(text.split(key).length - 1, key).toBe(1)
  const escaped = Object.keys(values).map((key) => key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
  return text.replace(new RegExp(escaped.join('|'), 'g'), (key) => values[key]!)
}

/** The usual resolver: answers every A query with USUAL_ANSWER, everything else NOERROR empty. */
async function startUsual(): Promise<Socket> {
  const socket = createSocket('udp4')
  socket.on('message', (message, peer) => {
    const query = packet.decode(message)
    const question = query.questions?.[0]
    if (question === undefined) return
    usualQueries.push(`${question.name} ${question.type}`)
    const answers: packet.Answer[] =
      question.type === 'A' ? [{ name: question.name, type: 'A', ttl: 60, data: USUAL_ANSWER }] : []
    const reply = packet.encode({
      type: 'response',
      id: query.id,
      flags: packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE,
      questions: query.questions,
      answers,
    })
    socket.send(Buffer.from(reply), peer.port, peer.address)
  })
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  return socket
}

/**
 * dnsdist's packet cache (part of the printed file) counts TTLs down; a line that differs from
 * the expected one only by a TTL at most 10 s lower reads as the expected line.
 */
function unaged(lines: string[], expected: string[]): string[] {
  return lines.map((line, i) => {
    const [name, ttl, ...rest] = line.split(' ')
    const [wantName, wantTtl, ...wantRest] = (expected[i] ?? '').split(' ')
    const age = Number(wantTtl) - Number(ttl)
    const same = name === wantName && rest.join(' ') === wantRest.join(' ')
    return same && age >= 0 && age <= 10 ? expected[i]! : line
  })
}

async function dig(args: string[], server = '127.0.0.1') {
  const result = await run('dig', [`@${server}`, '-p', String(port), '+tries=1', '+timeout=3', ...args])
  return { ...readPresentation(result.stdout), stdout: result.stdout + result.stderr }
}

beforeAll(async () => {
  requireTool('dnsdist', 'dnsdist')
  requireTool('dig', 'bind9-dnsutils')
  const version = await run('dnsdist', ['--version'])
  if (!version.stdout.includes('outgoing-dns-over-https'))
    throw new Error(`this dnsdist has no outgoing DoH:\n${version.stdout}`)
  const settings = parseSettings({
    MESHDOH_PUSH_TOKENS: TOKEN,
    MESHDOH_VIEWS: JSON.stringify({ ...views, [VIEW]: views['vm-bookinfo'] }),
  })
  meshdoh = await startWithSnapshots({ tls: true, settings })
  usual = await startUsual()
  port = await freePort()
  const file = join(tempDir(), 'dnsdist.conf')
  writeFileSync(
    file,
    substitute(PRINTED, {
      "'127.0.0.1:53'": `'127.0.0.1:${port}'`,
      "'[::1]:53'": `'[::1]:${port}'`,
      "'10.0.0.2:53'": `'127.0.0.1:${usual.address().port}'`,
      "'203.0.113.10:443'": `'127.0.0.1:${meshdoh.port}'`,
      "'/etc/dnsdist/meshdoh-ca.pem'": `'${meshdoh.pki!.ca}'`,
    })
  )
  const check = await run('dnsdist', ['--check-config', '-C', file])
  expect(check.code, check.stdout + check.stderr).toBe(0)
  dnsdist = start('dnsdist', ['--supervised', '--disable-syslog', '-C', file])
  for (const stream of [dnsdist.stdout!, dnsdist.stderr!]) stream.on('data', (d: Buffer) => (dnsdistLog += d))
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
  usual?.close()
  if (!meshdohClosed) await meshdoh?.server.close()
  removeTempDirs()
})

describe('the printed configuration', () => {
  // README.md shows the command that writes it (test/node/vm-generate.test.ts holds the two together).
  it.each(['deploy/node/README.md'])('%s shows deploy/vm/dnsdist.conf verbatim', (readme) => {
    const text = readFileSync(new URL(`../../${readme}`, import.meta.url), 'utf8')
    expect(text).toContain(`\`\`\`lua\n${PRINTED}\`\`\`\n`)
  })
})

describe.each([
  { title: 'UDP', args: [] as string[] },
  { title: 'TCP', args: ['+tcp'] },
])('dig through dnsdist over $title', ({ args }) => {
  it.each(CASES)('$title: $name $type', async ({ name, type, rcode, answer, authority }) => {
    const got = await dig([...args, name, type])
    expect(
      { rcode: got.rcode, answer: unaged(got.answer, answer), authority: unaged(got.authority, authority) },
      got.stdout
    ).toEqual({
      rcode,
      answer,
      authority,
    })
  })

  it('dig -x of an IPv4 and an IPv6 ClusterIP (both reverse zones)', async () => {
    const v4 = ['20.0.96.10.in-addr.arpa. 30 IN PTR productpage.bookinfo.svc.cluster.local.']
    expect(unaged((await dig([...args, '-x', '10.96.0.20'])).answer, v4)).toEqual(v4)
    const v6 = [
      '7.0.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.9.0.0.0.1.0.0.0.0.d.f.ip6.arpa. 30 IN PTR reviews.bookinfo.svc.cluster.local.',
    ]
    const got = await dig([...args, '-x', 'fd00:10:96::c07'])
    expect(unaged(got.answer, v6), got.stdout).toEqual(v6)
  })
})

describe('dnsdist routing', () => {
  it('listens on ::1 as well', async () => {
    expect(unaged((await dig([CASES[0]!.name, 'A'], '::1')).answer, CASES[0]!.answer)).toEqual(CASES[0]!.answer)
  })

  it('mesh names reach meshdoh on the VM view URL, and so do the health checks (SOA, every second)', async () => {
    const view = viewLabel(VIEW)
    expect(
      await metricValue(meshdoh.server, 'meshdoh_dns_queries_total', { view, type: 'PTR', rcode: 'NOERROR' })
    ).toBeGreaterThanOrEqual(2)
    const soa = () => metricValue(meshdoh.server, 'meshdoh_dns_queries_total', { view, type: 'SOA', rcode: 'NOERROR' })
    for (let i = 0; i < 30 && (await soa()) === 0; i++) await new Promise((r) => setTimeout(r, 100))
    expect(await soa()).toBeGreaterThan(0)
    expect(usualQueries.filter((q) => /cluster\.local|arpa/i.test(q))).toEqual([])
  })

  it('names outside the mesh go to the usual resolver, never to meshdoh', async () => {
    // Counted by type A: dnsdist's SOA health checks reach meshdoh every second meanwhile.
    const before = await metricValue(meshdoh.server, 'meshdoh_dns_queries_total', { type: 'A' })
    expect(before).toBeGreaterThan(0) // the A queries of the tests above were counted
    const got = await dig(['example.com', 'A'])
    expect({ rcode: got.rcode, answer: got.answer }).toEqual({
      rcode: 'NOERROR',
      answer: [`example.com. 60 IN A ${USUAL_ANSWER}`],
    })
    expect(usualQueries).toContain('example.com A')
    expect(await metricValue(meshdoh.server, 'meshdoh_dns_queries_total', { type: 'A' })).toBe(before)
  })

  it('with meshdoh down: mesh names get no answer (dnsdist drops them), other names still do', async () => {
    await meshdoh.server.close()
    meshdohClosed = true
    await waitForLine(dnsdist, /Marking downstream meshdoh \(127\.0\.0\.1:\d+\) as 'down'/, 10_000)
    // Names not asked before: the packet cache keeps answering the others until their TTL ends.
    const udp = await dig(['details.bookinfo.svc.cluster.local', 'A'])
    expect(udp.stdout).toMatch(/communications error .* timed out/)
    expect(udp.rcode).toBe('none') // no SERVFAIL, no answer at all
    const tcp = await dig(['+tcp', 'ratings.bookinfo.svc.cluster.local', 'A'])
    expect(tcp.stdout).toMatch(/communications error .* end of file/)
    expect((await dig(['example.com', 'A'])).answer).toEqual([`example.com. 60 IN A ${USUAL_ANSWER}`])
  })

  it('polls for no security status: an offline VM logs no error for it', () => {
    // Without setSecurityPollSuffix(''), dnsdist 1.7 logs "Error while retrieving the security
    // update" within a second of starting, where it cannot reach the public DNS.
    expect(dnsdistLog).toContain('Listening on')
    expect(dnsdistLog.split('\n').filter((line) => /security/i.test(line))).toEqual([])
  })
})
