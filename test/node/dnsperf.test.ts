/**
 * dnsperf -m doh: a short, bounded run (20 queries per method, at most 10 s) over TLS h2
 * with no lost or failed query and exactly the expected response codes.
 * dnsperf 2.10 keeps one DNS message per connection (its net_doh.c: "need to be able to
 * receive multiple responses at the same time"), so it runs with one query outstanding.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CASES } from './support/expected.ts'
import { startWithSnapshots, type TestMeshdoh } from './support/meshdoh.ts'
import { metricValue } from './support/metrics.ts'
import { killAll, requireTool, run } from './support/process.ts'
import { removeTempDirs, tempDir } from './support/temp.ts'

let meshdoh: TestMeshdoh
let queries: string

beforeAll(async () => {
  requireTool('dnsperf', 'dnsperf')
  meshdoh = await startWithSnapshots({ tls: true })
  queries = join(tempDir(), 'queries.txt')
  writeFileSync(queries, CASES.map((c) => `${c.name} ${c.type}\n`).join(''))
})

afterAll(async () => {
  killAll()
  await meshdoh?.server.close()
  removeTempDirs()
})

const RUNS = 4
const TOTAL = RUNS * CASES.length
const NXDOMAINS = RUNS * CASES.filter((c) => c.rcode === 'NXDOMAIN').length

describe('dnsperf -m doh', () => {
  it.each(['POST', 'GET'])('success: %s — every query answered, none lost', async (method) => {
    const before = await metricValue(meshdoh.server, 'meshdoh_dns_queries_total', { view: 'anonymous' })
    const args = [
      '-m',
      'doh',
      '-s',
      '127.0.0.1',
      '-p',
      String(meshdoh.port),
      '-d',
      queries,
      '-n',
      String(RUNS),
      '-l',
      '10',
      '-c',
      '1',
      '-q',
      '1',
      '-t',
      '5',
      '-O',
      `doh-uri=https://localhost:${meshdoh.port}/dns-query`,
      '-O',
      `doh-method=${method}`,
    ]
    const result = await run('dnsperf', args, { timeoutMs: 20_000 })
    const report = `${result.stdout}\n${result.stderr}`
    expect(result.code, report).toBe(0)
    expect(report).not.toMatch(/Error:/)
    expect(report).toMatch(new RegExp(`Queries sent:\\s+${TOTAL}\\n`))
    expect(report).toMatch(new RegExp(`Queries completed:\\s+${TOTAL} \\(100\\.00%\\)`))
    expect(report).toMatch(/Queries lost:\s+0 \(0\.00%\)/)
    const share = (n: number) => `${((100 * n) / TOTAL).toFixed(2)}%`
    expect(report).toContain(
      `Response codes:       NOERROR ${TOTAL - NXDOMAINS} (${share(TOTAL - NXDOMAINS)}), NXDOMAIN ${NXDOMAINS} (${share(NXDOMAINS)})\n`
    )
    expect(report).toMatch(new RegExp(`HTTP/2 return codes:\\s+200: ${TOTAL}\\n`))
    expect(await metricValue(meshdoh.server, 'meshdoh_dns_queries_total', { view: 'anonymous' })).toBe(before + TOTAL)
  })
})
