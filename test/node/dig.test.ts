/**
 * BIND's dig as a DoH client: +https (TLS, h2, verified against the test CA) and +http-plain
 * (cleartext h2c with prior knowledge), POST and GET, each against the exact expected answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CASES, readPresentation } from './support/expected.ts'
import { startWithSnapshots, type TestMeshdoh } from './support/meshdoh.ts'
import { killAll, requireTool, run } from './support/process.ts'
import { removeTempDirs } from './support/temp.ts'

let tls: TestMeshdoh
let plain: TestMeshdoh

beforeAll(async () => {
  requireTool('dig', 'bind9-dnsutils')
  ;[tls, plain] = await Promise.all([startWithSnapshots({ tls: true }), startWithSnapshots()])
})

afterAll(async () => {
  killAll()
  await Promise.all([tls?.server.close(), plain?.server.close()])
  removeTempDirs()
})

async function dig(server: TestMeshdoh, mode: string[], name: string, type: string) {
  const tlsArgs = server.pki ? [`+tls-ca=${server.pki.ca}`, '+tls-hostname=localhost'] : []
  const args = ['@127.0.0.1', '-p', String(server.port), ...mode, ...tlsArgs, '+tries=1', '+timeout=5', name, type]
  const result = await run('dig', args)
  expect(result.code, `dig ${args.join(' ')}\n${result.stdout}${result.stderr}`).toBe(0)
  return { ...readPresentation(result.stdout), stdout: result.stdout }
}

const MODES: Array<{ title: string; server: () => TestMeshdoh; mode: string[] }> = [
  { title: '+https (POST)', server: () => tls, mode: ['+https'] },
  { title: '+https-get', server: () => tls, mode: ['+https-get'] },
  { title: '+http-plain (h2c, POST)', server: () => plain, mode: ['+http-plain'] },
  { title: '+http-plain-get (h2c)', server: () => plain, mode: ['+http-plain-get'] },
]

describe.each(MODES)('dig $title', ({ server, mode }) => {
  it.each(CASES)('$title: $name $type', async ({ name, type, rcode, answer, authority }) => {
    const got = await dig(server(), mode, name, type)
    expect({ rcode: got.rcode, answer: got.answer, authority: got.authority }).toEqual({ rcode, answer, authority })
  })
})

describe('dig through a view URL', () => {
  it('success: short name answered with the view search list (/v/{view}/dns-query)', async () => {
    const got = await dig(tls, ['+https=/v/vm-bookinfo-search/dns-query'], 'reviews', 'A')
    expect(got.rcode).toBe('NOERROR')
    expect(got.answer).toEqual(['reviews. 30 IN A 10.96.12.7'])
  })

  it('fails: a certificate for another name is refused by dig, not silently accepted', async () => {
    const args = [
      '@127.0.0.1',
      '-p',
      String(tls.port),
      '+https',
      `+tls-ca=${tls.pki!.ca}`,
      '+tls-hostname=not-this-server.example',
      '+tries=1',
      '+timeout=5',
      'reviews.bookinfo.svc.cluster.local',
      'A',
    ]
    const result = await run('dig', args)
    expect(result.stdout).toMatch(/certificate verification .* failed: hostname mismatch/)
    expect(result.stdout).not.toMatch(/ANSWER SECTION/)
  })
})
