/**
 * The README's quick start against the real `wrangler dev` (workerd, local Durable Object on
 * disk), started as `npm start` starts it: the README's own block of commands, run by sh as
 * printed (the port aside), then push and resolve with curl as JSON and as wire GET and POST.
 * curl speaks HTTP/1.1 here, the only protocol wrangler dev serves.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import * as packet from 'dns-packet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from './support/ports.ts'
import { killAll, requireTool, run, start, waitForLine } from './support/process.ts'
import { tempDir } from './support/temp.ts'

let base: string
let wranglerOutput = ''
const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

beforeAll(async () => {
  requireTool('curl', 'curl')
  const port = await freePort()
  const wrangler = start(
    join('node_modules', '.bin', 'wrangler'),
    [
      'dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--persist-to',
      join(tempDir(), 'state'),
      '--env-file',
      '.dev.vars.example',
    ],
    { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false', CI: 'true' }
  )
  for (const stream of [wrangler.stdout!, wrangler.stderr!]) stream.on('data', (d: Buffer) => (wranglerOutput += d))
  await waitForLine(wrangler, /Ready on http/, 60_000)
  base = `http://127.0.0.1:${port}`
}, 90_000)

afterAll(() => killAll())

async function curl(...args: string[]): Promise<string> {
  const result = await run('curl', ['-sS', '--max-time', '10', ...args], { timeoutMs: 15_000 })
  expect(result.code, result.stderr).toBe(0)
  return result.stdout
}

/** curl writes the binary answer to a file: stdout would go through a text decoder. */
async function curlBytes(...args: string[]): Promise<packet.DecodedPacket> {
  const out = join(tempDir(), 'answer.bin')
  await curl(...args, '-o', out)
  return packet.decode(readFileSync(out))
}

describe('wrangler dev, as the README runs it', () => {
  it('starts without warning that worker-configuration.d.ts is out of date', () => {
    expect(wranglerOutput).toContain('Ready on http')
    expect(wranglerOutput).not.toMatch(/out of date/i)
  })

  it("runs the README's quick-start commands as printed: quiet, and every answer shown whole", async () => {
    const block = README.match(/Push the example snapshot[^]*?```sh\n([^]*?)```/)?.[1]
    expect(block).toBeDefined()
    expect(block).toContain('http://127.0.0.1:8787/')
    // dash on Debian: what `sh` is for most readers, and stricter than bash (no \x in printf).
    const result = await run('sh', ['-ec', block!.replaceAll('http://127.0.0.1:8787', base)], { timeoutMs: 30_000 })
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' })
    // The PUT prints what the README's comment says it prints.
    const promised = block!.match(/^# (\{"cluster".*\})$/m)?.[1]
    expect(promised).toMatch(/^\{"cluster":"east-1","revision":1,"names":12,"digest":"sha256:[0-9a-f]{64}"\}$/)
    expect(result.stdout.startsWith(promised!), result.stdout).toBe(true)
    // od shows each wire answer to its last byte: the A record's TTL 30, length 4, 10.96.12.7.
    const wire = result.stdout.replace(/\s+/g, ' ')
    expect(wire.split('00 00 00 1e 00 04 0a 60 0c 07').length - 1, result.stdout).toBe(2)
    expect(result.stdout).toContain('"data":"10.96.12.7"')
  })

  it('answers dns-version with the TTL the README gives', async () => {
    const stated = README.match(/`dns-version\.<domain>` TXT *\| `"1\.1\.0"` \(TTL (\d+)\)/)?.[1]
    expect(stated).toBeDefined()
    const json = JSON.parse(await curl(`${base}/resolve?name=dns-version.cluster.local&type=TXT`))
    expect(json.Answer).toEqual([
      { name: 'dns-version.cluster.local.', type: 16, TTL: Number(stated), data: '"1.1.0"' },
    ])
  })

  it('answers JSON with curl, anonymous and through a view', async () => {
    const json = JSON.parse(await curl(`${base}/resolve?name=reviews.bookinfo.svc.cluster.local&type=AAAA`))
    expect(json.Answer).toEqual([
      { name: 'reviews.bookinfo.svc.cluster.local.', type: 28, TTL: 30, data: 'fd00:10:96::c07' },
    ])
    const srv = JSON.parse(
      await curl(
        '-H',
        'Accept: application/dns-json',
        `${base}/dns-query?name=_http._tcp.productpage.bookinfo.svc.cluster.local&type=SRV`
      )
    )
    expect(srv.Answer).toEqual([
      {
        name: '_http._tcp.productpage.bookinfo.svc.cluster.local.',
        type: 33,
        TTL: 30,
        data: '0 100 9080 productpage.bookinfo.svc.cluster.local.',
      },
    ])
    const viewed = JSON.parse(await curl(`${base}/v/dev-bookinfo/resolve?name=reviews`))
    expect(viewed.Answer).toEqual([{ name: 'reviews.', type: 1, TTL: 30, data: '10.96.12.7' }])
  })

  it('answers RFC 8484 wire GET and POST with curl', async () => {
    const query = packet.encode({
      type: 'query',
      id: 0,
      flags: packet.RECURSION_DESIRED,
      questions: [{ name: 'reviews.bookinfo.svc.cluster.local', type: 'A' }],
    })
    const get = await curlBytes(`${base}/dns-query?dns=${query.toString('base64url')}`)
    expect(get.answers).toMatchObject([
      { name: 'reviews.bookinfo.svc.cluster.local', type: 'A', ttl: 30, data: '10.96.12.7' },
    ])
    expect(get.flag_aa).toBe(true)
    const file = join(tempDir(), 'query.bin')
    writeFileSync(file, query)
    const post = await curlBytes(
      '-H',
      'Content-Type: application/dns-message',
      '--data-binary',
      `@${file}`,
      `${base}/dns-query`
    )
    expect(post.answers).toMatchObject([
      { name: 'reviews.bookinfo.svc.cluster.local', type: 'A', ttl: 30, data: '10.96.12.7' },
    ])
  })
})
