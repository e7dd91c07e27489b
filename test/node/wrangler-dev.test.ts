/**
 * The README's quick start against the real `wrangler dev` (workerd, local Durable Object on
 * disk): push the example snapshot with curl, resolve it with curl as JSON and as wire GET
 * and POST. curl speaks HTTP/1.1 here, the only protocol wrangler dev serves.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import * as packet from 'dns-packet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from './support/ports.ts'
import { killAll, requireTool, run, start, waitForLine } from './support/process.ts'
import { tempDir } from './support/temp.ts'

let base: string

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
  it('accepts the example snapshot pushed with curl', async () => {
    const body = await curl(
      '-X',
      'PUT',
      `${base}/v1/snapshots/east-1`,
      '-H',
      'Authorization: Bearer dev-push-token',
      '-H',
      'Content-Type: application/json',
      '--data-binary',
      '@test/fixtures/bookinfo.snapshot.json'
    )
    expect(JSON.parse(body)).toEqual({ cluster: 'east-1', revision: 1, names: 12 })
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
