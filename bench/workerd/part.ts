/**
 * Part 2, per-query cost inside workerd: the whole handler (Hono routing, base64url, parse,
 * answer, encode, Response) with the index warm, at 1k, 10k and 100k services.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Part, PartOutput } from '../part.ts'
import { SERVER_CPU, freePort, start, waitForPort } from '../proc.ts'
import { fmt, growthExponent, median, quantile } from '../stats.ts'
import { table } from '../table.ts'
import { bundleWorker } from './bundle.ts'
import type { WorkerdRequest, WorkerdResult } from './entry.ts'

const REQUEST: WorkerdRequest = { sizes: [1000, 10_000, 100_000], batches: 40, perName: 300, repeat: 400 }

function workerdBinary(): string {
  return createRequire(import.meta.url)
    .resolve('workerd/package.json')
    .replace(/package\.json$/, 'bin/workerd')
}

export async function measureWorkerd(request: WorkerdRequest): Promise<WorkerdResult> {
  const dir = mkdtempSync(join(tmpdir(), 'meshdoh-bench-workerd-'))
  try {
    const port = await freePort()
    const config = await bundleWorker(dir, port)
    const server = start(workerdBinary(), ['serve', config], { cpu: SERVER_CPU, cwd: dir })
    try {
      await waitForPort(port, 20_000, 'workerd', () => server.child.exitCode === null)
      const response = await fetch(`http://127.0.0.1:${port}/run`, {
        method: 'POST',
        body: JSON.stringify(request),
        signal: AbortSignal.timeout(280_000),
      })
      const text = await response.text()
      if (response.status !== 200) throw new Error(`the benchmark Worker failed: ${text}\n${server.output()}`)
      return JSON.parse(text) as WorkerdResult
    } finally {
      await server.stop()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export const workerdPart: Part = {
  name: 'workerd',
  title: '2. Per-query cost inside workerd',
  seconds: 30,
  async run(): Promise<PartOutput> {
    const result = await measureWorkerd(REQUEST)
    const floor = median(result.floorUs)
    const rows = result.sizes.map((s) => {
      const med = median(s.batchUs)
      return [
        fmt(s.services),
        fmt(med),
        fmt(med - floor),
        fmt(quantile(s.batchUs, 0.99)),
        fmt(median(s.perNameUs)),
        fmt(quantile(s.perNameUs, 0.99)),
        fmt(Math.max(...s.perNameUs)),
        fmt(s.pushMs),
        fmt(s.firstQueryMs),
        fmt(s.indexBytes),
        fmt(median(s.coldMs)),
        fmt(median(s.coldLoadMs)),
        fmt(s.deltaToAnswerMs),
      ]
    })
    const first = result.sizes[0]!
    const last = result.sizes[result.sizes.length - 1]!
    const medFirst = median(first.batchUs)
    const medLast = median(last.batchUs)
    const k = growthExponent(first.services, medFirst, last.services, medLast)
    const wrong = result.sizes.flatMap((s) => s.wrong.map((w) => `${s.services}: ${w}`))
    const body = [
      "Method: `bench/workerd/entry.ts` is bundled with esbuild (wrangler's own version, `node:buffer`",
      "for dns-packet's `require`) and served by the `workerd` binary with `nodejs_compat` and",
      "wrangler.toml's compatibility date, pinned to one core. One POST makes, per size, meshdoh's app",
      '(`createMeshdoh`, a `MemoryStore` instead of the Durable Object, so no storage I/O on the hot path',
      'apart from the 5-second freshness check), pushes the synthetic snapshot through',
      '`PUT /v1/snapshots/bench`, and checks all 1,000 answers (90% present, 10% NXDOMAIN). It then times',
      '`app.fetch` on prepared `GET /dns-query?dns=` Requests (routing, base64url, parse, answer, encode,',
      "Response; not the runtime's own HTTP parsing).",
      '',
      `workerd's clock moves in steps of ${fmt(result.clockTickMs)} ms inside a request (a Spectre`,
      'mitigation), so no single query is timed. **Median**: passes over the 1,000 names (each tens of',
      `ms), ${REQUEST.batches} per size, sizes and a floor (a Hono app answering one fixed message) alternated`,
      `pass by pass; µs per query = pass time / 1,000. **p99 of passes**: the slowest 1% of those passes (GC`,
      `and JIT pauses spread over a pass). **Per name**: ${REQUEST.perName} names, each asked ${REQUEST.repeat} times in a row,`,
      'timed together: the median and the 99th percentile across names show which names cost more; it is',
      'not the latency of one cold query.',
      '',
      '**Cold**: per size, 7 times, a new app whose store hands over the packed index through a Response',
      "body (as a Cache API hit does): reading the body, loading the index and answering one query, in ms on workerd's",
      'clock (median), and the same with the bytes already in memory. **Delta → answer**: a PATCH moving one Service',
      'to a new address, from the request to the first /resolve answer with it, on the isolate that took it (the',
      'MemoryStore builds the new index on that answer). The isolate itself is warm (its JavaScript already compiled), so this is the cost of the index, not',
      "of V8's start; the bytes are what a cold isolate fetches from its location's cache or the Durable Object.",
      '',
      table(
        [
          'services',
          'median µs/query',
          'above floor',
          'p99 of passes',
          'per name: median',
          'per name: p99',
          'per name: max',
          'push ms',
          'first query ms (builds the index)',
          'index bytes a cold isolate fetches',
          'cold: body read + load + first answer, ms',
          'cold: load + first answer, ms',
          'one-Service delta → answer, ms',
        ],
        rows
      ),
      '',
      `Floor (Hono app, fixed answer, same Requests): ${fmt(floor)} µs per query.`,
      `Growth of the median from ${fmt(first.services)} to ${fmt(last.services)} services: size^${fmt(k, 2)} (0 is flat).`,
      wrong.length === 0
        ? 'Every answer was checked: present names NOERROR with addresses, absent names NXDOMAIN.'
        : `**Wrong answers:** ${wrong.join('; ')}`,
    ].join('\n')
    return {
      body,
      targets: [
        { target: '≤ 11 µs median per query at 100k', measured: `${fmt(medLast)} µs`, met: medLast <= 11 },
        {
          target: 'cold: loading the index and the first answer ≤ 5 ms at 10k, ≤ 20 ms at 100k',
          measured: result.sizes.map((s) => `${fmt(median(s.coldLoadMs))} ms at ${fmt(s.services)}`).join(', '),
          met: result.sizes.every((s) => median(s.coldLoadMs) <= (s.services <= 10_000 ? 5 : 20)),
        },
        {
          target: 'Workers: change → answer ≤ 200 ms on the isolate that took the push',
          measured: result.sizes.map((s) => `${fmt(s.deltaToAnswerMs)} ms at ${fmt(s.services)}`).join(', '),
          met: result.sizes.filter((s) => s.services <= 100_000).every((s) => s.deltaToAnswerMs <= 200),
        },
        {
          target: 'bytes a cold isolate fetches, reported with the time including that I/O',
          measured: result.sizes
            .map((s) => `${fmt(s.indexBytes)} B, ${fmt(median(s.coldMs))} ms at ${fmt(s.services)}`)
            .join('; '),
          met: 'shown',
        },
        {
          target: 'flat from 1k to 100k',
          measured: `${fmt(medFirst)} → ${fmt(medLast)} µs (size^${fmt(k, 2)})`,
          met: medLast <= medFirst * 1.25,
        },
      ],
    }
  },
}
