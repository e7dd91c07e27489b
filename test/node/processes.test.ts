/**
 * Multi-process mode (MESHDOH_PROCESSES=3) as its own process tree: a push through any worker
 * is answered by every worker, the data directory is shared, and SIGTERM stops them all.
 */
import type { ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decode, base64url, wireQuery, zoneLines } from '../helpers/dns.ts'
import { bookinfoSnapshot } from '../helpers/fixtures.ts'
import { send } from './support/http.ts'
import { killAll, start, waitForLine } from './support/process.ts'
import { tempDir } from './support/temp.ts'
import { binArgs } from './support/tsx.ts'

let child: ChildProcess
let url: string
let logs = ''

beforeAll(async () => {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MESHDOH_')))
  const [node, args] = binArgs()
  child = start(node, args, {
    ...env,
    MESHDOH_LISTEN: '127.0.0.1:0',
    MESHDOH_DATA_DIR: join(tempDir(), 'data'),
    MESHDOH_PUSH_TOKENS: 'processes-token',
    MESHDOH_PROCESSES: '3',
  })
  child.stdout!.on('data', (d: Buffer) => (logs += d))
  const listening = await waitForLine(child, /"url":"http:\/\/127\.0\.0\.1:(\d+)".*"msg":"listening"/, 30_000)
  url = `http://127.0.0.1:${listening[1]}`
  for (let waited = 0; (logs.match(/"msg":"listening"/g) ?? []).length < 3 && waited < 30_000; waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}, 60_000)

afterAll(() => killAll())

/** The reviews address as seen by a fresh connection (each may land on another worker). */
async function reviews(): Promise<string[]> {
  const reply = await send(`${url}/dns-query?dns=${base64url(wireQuery('reviews.bookinfo.svc.cluster.local', 'A'))}`)
  return zoneLines(decode(reply.body).answers)
}

function push(revision: number, ip: string) {
  const doc = bookinfoSnapshot({ revision })
  ;(doc.services as Array<Record<string, unknown>>)[2]!.clusterIPs = [ip]
  return send(`${url}/v1/snapshots/east-1`, {
    method: 'PUT',
    headers: { Authorization: 'Bearer processes-token', 'Content-Type': 'application/json' },
    body: JSON.stringify(doc),
  })
}

describe('MESHDOH_PROCESSES=3', () => {
  it('starts three workers on one port', () => {
    const workers = new Set([...logs.matchAll(/"worker":(\d+).*"msg":"listening"/g)].map((m) => m[1]))
    expect(workers.size).toBe(3)
    expect(new Set([...logs.matchAll(/"url":"([^"]+)".*"msg":"listening"/g)].map((m) => m[1]))).toEqual(new Set([url]))
  })

  it('serves a push from every worker at once, and compares revisions in one place', async () => {
    expect((await push(1, '10.96.12.1')).status).toBe(200)
    for (let i = 0; i < 12; i++)
      expect(await reviews()).toEqual(['reviews.bookinfo.svc.cluster.local. 30 IN A 10.96.12.1'])
    expect((await push(2, '10.96.12.2')).status).toBe(200)
    for (let i = 0; i < 12; i++)
      expect(await reviews()).toEqual(['reviews.bookinfo.svc.cluster.local. 30 IN A 10.96.12.2'])
    const stale = await push(2, '10.96.12.3')
    expect(stale.status).toBe(409)
  })

  it('stops every worker on SIGTERM and exits 0', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    process.kill(child.pid!, 'SIGTERM')
    expect(await exited).toBe(0)
  })
})
