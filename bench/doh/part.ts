/**
 * Part 1, DoH over HTTP/2: h2load against unbound, the Node ceiling, the Hono floor and meshdoh's
 * Node server, all in one run, contenders alternated round by round; then one profiled run of
 * meshdoh to show where its time goes.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseSnapshot } from '../../src/registry/validate.ts'
import { queryNames, type QueryName } from '../names.ts'
import type { Part, PartOutput } from '../part.ts'
import { pinning, stopAll } from '../proc.ts'
import { dohPath } from '../query.ts'
import { fmt, median } from '../stats.ts'
import { syntheticSnapshot } from '../synthetic.ts'
import { table } from '../table.ts'
import { wrongAnswers } from './client.ts'
import { startMeshdoh, startScript, startUnbound, type Contender } from './contenders.ts'
import { h2load, writeUris, type LoadResult, type LoadShape } from './h2load.ts'
import { summarizeProfile, type ProfileSummary } from './profile.ts'
import { makeCertificate, type TlsPair } from './tls.ts'
import { localData } from './unbound.ts'

const SERVICES = 10_000
const ROUNDS = 3
/** Processes and threads for the multi-process comparison: one per core. */
const PROCESSES = Math.max(2, availableParallelism())
const SHAPE: LoadShape = { clients: 10, streams: 10, seconds: 5, warmUpSeconds: 1 }

interface Measured {
  contender: Contender
  runs: LoadResult[]
  wrong: string[]
}

async function profileMeshdoh(dir: string, tls: TlsPair, body: string, names: QueryName[]): Promise<ProfileSummary> {
  const paths = names.map((q) => dohPath(q.name))
  const profileDir = join(dir, 'profile')
  mkdirSync(profileDir)
  const meshdoh = await startMeshdoh(dir, tls, body, { cpuProfileDir: profileDir })
  await wrongAnswers(meshdoh.port, tls.cert, names) // the first query compiles the index: before the window
  await h2load(writeUris(dir, 'profiled', meshdoh.port, paths), meshdoh.port, SHAPE, join(dir, 'profiled.log'))
  const loadEnded = performance.now()
  await meshdoh.server.stop()
  const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'))
  if (file === undefined) throw new Error('meshdoh wrote no CPU profile')
  // Only the measured seconds of the load: not start-up, push, compile or shutdown.
  return summarizeProfile(join(profileDir, file), {
    seconds: SHAPE.seconds,
    beforeEndMs: performance.now() - loadEnded,
  })
}

/** node:cluster against unbound's threads, as many of each as the machine has cores, unpinned. */
async function measureMultiProcess(
  dir: string,
  tls: TlsPair,
  body: string,
  data: readonly string[],
  paths: string[],
  names: QueryName[]
): Promise<Measured[]> {
  const contenders = [
    await startUnbound(dir, tls, data, PROCESSES),
    await startMeshdoh(dir, tls, body, { processes: PROCESSES }),
  ]
  const measured: Measured[] = []
  for (const c of contenders)
    measured.push({ contender: c, runs: [], wrong: await wrongAnswers(c.port, tls.cert, names) })
  const uris = contenders.map((c, i) => writeUris(dir, `m${i}`, c.port, paths))
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < contenders.length; k++) {
      const i = (k + r) % contenders.length
      measured[i]!.runs.push(await h2load(uris[i]!, contenders[i]!.port, SHAPE, join(dir, `m${i}-r${r}.log`)))
    }
  }
  return measured
}

function ratio(runs: Measured[], of: number, to: number): number {
  return median(runs[of]!.runs.map((r, i) => r.rps / runs[to]!.runs[i]!.rps))
}

export const dohPart: Part = {
  name: 'doh-h2',
  title: '1. DoH over HTTP/2 on Node',
  seconds: 90,
  async run(): Promise<PartOutput> {
    const dir = mkdtempSync(join(tmpdir(), 'meshdoh-bench-doh-'))
    try {
      const tls = await makeCertificate(dir)
      const input = syntheticSnapshot({ services: SERVICES })
      const body = JSON.stringify(input)
      const parsed = parseSnapshot(JSON.parse(body))
      if (!parsed.ok) throw new Error(`synthetic snapshot rejected: ${parsed.path} ${parsed.error}`)
      const names = queryNames(input, 1000)
      const paths = names.map((q) => dohPath(q.name))
      const data = localData(
        parsed.snapshot,
        names.map((q) => q.name)
      )

      const contenders = [
        await startUnbound(dir, tls, data),
        await startScript('Node ceiling (http2 stream API, fixed answer)', './doh/ceiling.ts', tls),
        await startScript('Hono floor (@hono/node-server, fixed answer)', './doh/hono-floor.ts', tls),
        await startMeshdoh(dir, tls, body),
      ]
      const measured: Measured[] = []
      for (const c of contenders)
        measured.push({ contender: c, runs: [], wrong: c.real ? await wrongAnswers(c.port, tls.cert, names) : [] })
      const uris = contenders.map((c, i) => writeUris(dir, `c${i}`, c.port, paths))
      for (let r = 0; r < ROUNDS; r++) {
        for (let k = 0; k < contenders.length; k++) {
          const i = (k + r) % contenders.length
          measured[i]!.runs.push(await h2load(uris[i]!, contenders[i]!.port, SHAPE, join(dir, `c${i}-r${r}.log`)))
        }
      }
      await stopAll()
      const multi = await measureMultiProcess(dir, tls, body, data, paths, names)
      await stopAll()
      const profile = await profileMeshdoh(dir, tls, body, names)
      return report(measured, multi, profile, data.length)
    } finally {
      await stopAll()
      rmSync(dir, { recursive: true, force: true })
    }
  },
}

function report(measured: Measured[], multi: Measured[], profile: ProfileSummary, localDataLines: number): PartOutput {
  const [unbound, ceiling, floor, meshdoh] = [0, 1, 2, 3]
  const rows = measured.map((m) => [
    m.contender.name,
    fmt(median(m.runs.map((r) => r.rps))),
    fmt(1e6 / median(m.runs.map((r) => r.rps))),
    m.runs.map((r) => fmt(r.rps)).join(' / '),
    fmt(median(m.runs.map((r) => r.meanMs))),
    fmt(median(m.runs.map((r) => r.p99Ms))),
    String(m.runs.reduce((n, r) => n + r.failed + r.non2xx, 0)),
  ])
  const vsUnbound = ratio(measured, meshdoh, unbound)
  const vsCeiling = ratio(measured, meshdoh, ceiling)
  const floorVsCeiling = ratio(measured, floor, ceiling)
  const meshdohVsFloor = ratio(measured, meshdoh, floor)
  const wrong = [...measured, ...multi].flatMap((m) => m.wrong.slice(0, 5).map((w) => `${m.contender.name}: ${w}`))
  const body = [
    `h2load over TLS (h2, TLS 1.3) on 127.0.0.1: ${SHAPE.clients} connections × ${SHAPE.streams} concurrent streams, one h2load`,
    `thread, ${SHAPE.warmUpSeconds} s warm-up then ${SHAPE.seconds} s measured, ${ROUNDS} rounds with the contenders rotated each round;`,
    `pinning: ${pinning}. Queries: GET \`/dns-query?dns=\` (ID 0, RD, no EDNS), 1,000 distinct A questions cycled`,
    `in order by every connection (90% present, 10% NXDOMAIN) from the ${fmt(SERVICES)}-service synthetic snapshot`,
    `(\`bench/synthetic.ts\`). unbound serves ${fmt(localDataLines)} local-data lines: every name of the snapshot that`,
    "meshdoh answers with addresses in the empty view, with meshdoh's own A records, under a static",
    '`cluster.local` zone with an SOA. Latency: mean and 99th percentile of the measured window, from',
    "h2load's per-request log.",
    '',
    table(
      ['server', 'req/s (median)', 'µs per request', 'req/s per round', 'mean ms', 'p99 ms', 'failed or non-2xx'],
      rows
    ),
    '',
    "µs per request is 1 s / rate: with 100 requests in flight the server's core is saturated, so it is the",
    'time one request costs the server (shared with whatever else runs on that core).',
    '',
    table(
      ['ratio (median of per-round ratios)', 'value'],
      [
        ['meshdoh / unbound', fmt(vsUnbound, 2)],
        ['meshdoh / Node ceiling', fmt(vsCeiling, 2)],
        ['Hono floor / Node ceiling (the framework alone)', fmt(floorVsCeiling, 2)],
        ["meshdoh / Hono floor (meshdoh's own work)", fmt(meshdohVsFloor, 2)],
      ]
    ),
    '',
    wrong.length === 0
      ? 'Before measuring, all 1,000 names were asked of unbound and of meshdoh: every present name NOERROR with addresses, every absent name NXDOMAIN.'
      : `**Answers that differ from the expected ones:** ${wrong.join('; ')}`,
    '',
    `**Multi-process mode** (\`MESHDOH_PROCESSES=${PROCESSES}\`, node:cluster) against unbound with ${PROCESSES} threads, same load,`,
    `servers unpinned (they share the machine's ${availableParallelism()} cores with h2load), ${ROUNDS} rounds alternated:`,
    '',
    table(
      ['server', 'req/s (median)', 'req/s per round', 'mean ms', 'p99 ms', 'failed or non-2xx'],
      multi.map((m) => [
        m.contender.name,
        fmt(median(m.runs.map((r) => r.rps))),
        m.runs.map((r) => fmt(r.rps)).join(' / '),
        fmt(median(m.runs.map((r) => r.meanMs))),
        fmt(median(m.runs.map((r) => r.p99Ms))),
        String(m.runs.reduce((n, r) => n + r.failed + r.non2xx, 0)),
      ])
    ),
    '',
    `meshdoh (${PROCESSES} processes) / unbound (${PROCESSES} threads): ${fmt(ratio(multi, 1, 0), 2)}`,
    '',
    `**Where meshdoh's time goes** (\`node --cpu-prof\`, one more ${SHAPE.seconds} s run of the same load; share of busy samples, self time):`,
    '',
    table(
      ['area', 'share'],
      profile.areas.map(([a, s]) => [a, `${fmt(s * 100, 2)}%`])
    ),
    '',
    table(
      ['function (self time)', 'share'],
      profile.functions.map(([f, s]) => [`\`${f}\``, `${fmt(s * 100, 2)}%`])
    ),
  ].join('\n')
  return {
    body,
    targets: [
      {
        target: 'meshdoh ≥ 0.9 × the Node ceiling',
        measured: `${fmt(vsCeiling, 2)} × (meshdoh/unbound ${fmt(vsUnbound, 2)})`,
        met: vsCeiling >= 0.9,
      },
      {
        target: 'multi-process mode against unbound with as many threads',
        measured: `${fmt(ratio(multi, 1, 0), 2)} × unbound (${PROCESSES} each)`,
        met: 'shown',
      },
    ],
  }
}
