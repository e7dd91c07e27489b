/**
 * Knot's kdig as a DoH client (+https over TLS with +tls-ca validation, POST and GET),
 * against the exact expected answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CASES, readPresentation } from './support/expected.ts'
import { startWithSnapshots, type TestMeshdoh } from './support/meshdoh.ts'
import { killAll, requireTool, run } from './support/process.ts'
import { removeTempDirs } from './support/temp.ts'

let tls: TestMeshdoh

beforeAll(async () => {
  requireTool('kdig', 'knot-dnsutils')
  tls = await startWithSnapshots({ tls: true })
})

afterAll(async () => {
  killAll()
  await tls?.server.close()
  removeTempDirs()
})

async function kdig(mode: string[], name: string, type: string) {
  const args = [
    '@127.0.0.1',
    '-p',
    String(tls.port),
    ...mode,
    `+tls-ca=${tls.pki!.ca}`,
    '+tls-hostname=localhost',
    '+retry=0',
    '+timeout=5',
    name,
    type,
  ]
  const result = await run('kdig', args)
  expect(result.code, `kdig ${args.join(' ')}\n${result.stdout}${result.stderr}`).toBe(0)
  return { ...readPresentation(result.stdout), stdout: result.stdout }
}

describe.each([
  { title: '+https (POST)', mode: ['+https'], method: 'POST' },
  { title: '+https +https-get', mode: ['+https', '+https-get'], method: 'GET' },
])('kdig $title', ({ mode, method }) => {
  it.each(CASES)('$title: $name $type', async ({ name, type, rcode, answer, authority }) => {
    const got = await kdig(mode, name, type)
    expect({ rcode: got.rcode, answer: got.answer, authority: got.authority }).toEqual({ rcode, answer, authority })
    // kdig reports the HTTP exchange it made: HTTP/2, the method, and a 200.
    expect(got.stdout).toContain(`(HTTP/2-${method})`)
    expect(got.stdout).toContain('(status: 200)')
  })
})
