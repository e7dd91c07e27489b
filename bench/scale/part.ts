/**
 * Part 3, snapshot scale: validation, building and loading the packed index, its size and
 * memory, and the cold first answer from it at 1k, 10k and 100k services, side by side, with
 * the growth between sizes.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Part, PartOutput, TargetCheck } from '../part.ts'
import { run, tsArgs } from '../proc.ts'
import { fmt, growthExponent, median } from '../stats.ts'
import { table } from '../table.ts'
import type { ColdStart } from './cold.ts'
import { restartOnce, type Restart } from './restart.ts'
import type { MeasureRequest, SizeMeasures } from './measure.ts'

export const SIZES = [1000, 10_000, 100_000]
const ROUNDS = 3
const COLD_ROUNDS = 7

async function jsonChild<T>(script: string, nodeFlags: string[], args: string[], timeoutMs: number): Promise<T> {
  const out = await run(process.execPath, tsArgs(script, nodeFlags, args), { timeoutMs })
  if (out.code !== 0) throw new Error(`${script} failed (${out.code}):\n${out.stderr.slice(-3000)}`)
  return JSON.parse(out.stdout.trim().split('\n').pop()!) as T
}

interface Row {
  label: string
  values: number[]
  /** How the figure should grow with size: 1 for totals (linear), 0 for per-name figures (flat). */
  linear: 0 | 1
  digits?: number
}

function growthCells(row: Row): { cells: string[]; ok: boolean } {
  const cells: string[] = []
  let ok = true
  for (let i = 1; i < SIZES.length; i++) {
    const k = growthExponent(SIZES[i - 1]!, row.values[i - 1]!, SIZES[i]!, row.values[i]!)
    // 10% slack for noise: a total growing as size^1.1 or slower counts as linear.
    if (k > row.linear + 0.1) ok = false
    cells.push(fmt(k, 2))
  }
  return { cells, ok }
}

const RESTART_ROUNDS = 5

export interface ScaleMeasures {
  sizes: SizeMeasures[]
  cold: ColdStart[][]
  empty: ColdStart[]
  restart: { empty: Restart[]; full: Restart[] }
}

export async function measureScale(): Promise<ScaleMeasures> {
  const dir = mkdtempSync(join(tmpdir(), 'meshdoh-bench-scale-'))
  try {
    const request: MeasureRequest = { rounds: ROUNDS, sizes: SIZES, dir }
    const sizes = await jsonChild<SizeMeasures[]>(
      './scale/measure.ts',
      ['--expose-gc'],
      [JSON.stringify(request)],
      300_000
    )
    const cold: ColdStart[][] = sizes.map(() => [])
    const empty: ColdStart[] = []
    for (let r = 0; r < COLD_ROUNDS; r++) {
      const probe = sizes[0]!.probe
      empty.push(await jsonChild<ColdStart>('./scale/cold.ts', [], [join(dir, 'index-empty.bin'), probe], 60_000))
      for (let k = 0; k < sizes.length; k++) {
        const i = (k + r) % sizes.length
        const s = sizes[i]!
        cold[i]!.push(await jsonChild<ColdStart>('./scale/cold.ts', [], [s.blobPath, s.probe], 60_000))
      }
    }
    const restart = { empty: [] as Restart[], full: [] as Restart[] }
    const largest = sizes.at(-1)!
    for (let r = 0; r < RESTART_ROUNDS; r++) {
      restart.empty.push(await restartOnce(join(dir, 'data-empty'), largest.probe))
      restart.full.push(await restartOnce(join(dir, `data-${largest.services}`), largest.probe))
    }
    return { sizes, cold, empty, restart }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export const scalePart: Part = {
  name: 'scale',
  title: '3. Snapshot scale',
  seconds: 80,
  async run(): Promise<PartOutput> {
    const { sizes, cold, empty, restart } = await measureScale()
    const restartEmptyMs = median(restart.empty.map((r) => r.firstAnswerMs))
    const restartFullMs = median(restart.full.map((r) => r.firstAnswerMs))
    const restartGrowth =
      (median(restart.full.map((r) => r.rss)) - median(restart.empty.map((r) => r.rss))) / sizes.at(-1)!.names
    const restartBad = restart.full.filter((r) => r.rcode !== 0).length
    const emptyCpu = median(empty.map((c) => c.cpuMs))
    const coldCpu = cold.map((runs) => median(runs.map((c) => c.cpuMs)))
    const overEmpty = coldCpu.map((cpu) => cpu - emptyCpu)
    const coldWall = cold.map((runs) => median(runs.map((c) => c.wallMs)))
    const coldRead = cold.map((runs) => median(runs.map((c) => c.readMs)))
    const rssPerName = cold.map((runs, i) => median(runs.map((c) => c.rssGrowth)) / sizes[i]!.names)
    const peakRatio = cold.map((runs, i) => median(runs.map((c) => c.peakGrowth)) / sizes[i]!.blobBytes)
    const badAnswers = cold.flat().filter((c) => c.rcode !== 0 || c.answers < 1).length
    const rows: Row[] = [
      { label: 'names published', values: sizes.map((s) => s.names), linear: 1 },
      { label: 'pushed JSON, bytes', values: sizes.map((s) => s.pushedBytes), linear: 1 },
      { label: 'stored document gzipped, bytes', values: sizes.map((s) => s.storedGzipBytes), linear: 1 },
      { label: 'push validation (parseSnapshot), ms', values: sizes.map((s) => s.validateMs), linear: 1 },
      { label: 'building the index (compile + pack), ms', values: sizes.map((s) => s.buildMs), linear: 1 },
      { label: 'index blob, bytes', values: sizes.map((s) => s.blobBytes), linear: 1 },
      { label: 'index blob per name, bytes', values: sizes.map((s) => s.blobBytesPerName), linear: 0 },
      { label: 'resident index per name, bytes', values: sizes.map((s) => s.residentPerName), linear: 0 },
      { label: 'loading the blob (new PackedIndex), ms', values: sizes.map((s) => s.loadMs), linear: 1, digits: 2 },
      { label: 'lookup on a warm index, µs', values: sizes.map((s) => s.lookupUs), linear: 0, digits: 2 },
      { label: 'cold: reading the blob from disk, ms', values: coldRead, linear: 1 },
      { label: 'cold first answer, CPU ms (blob I/O excluded)', values: coldCpu, linear: 1 },
      { label: '… of which the index (less an empty index), CPU ms', values: overEmpty, linear: 1 },
      { label: 'cold first answer, wall ms (blob I/O excluded)', values: coldWall, linear: 1 },
      { label: 'cold: RSS growth per name, bytes', values: rssPerName, linear: 0 },
      { label: 'cold: peak RSS growth ÷ blob size', values: peakRatio, linear: 0, digits: 2 },
    ]
    const growth = rows.map(growthCells)
    const body = table(
      ['figure', ...SIZES.map((n) => `${fmt(n)} services`), 'growth 1k→10k', 'growth 10k→100k'],
      rows.map((row, i) => [row.label, ...row.values.map((v) => fmt(v, row.digits)), ...growth[i]!.cells])
    )
    const last = SIZES.length - 1
    const tenK = SIZES.indexOf(10_000)
    const superlinear = rows.filter((_, i) => !growth[i]!.ok).map((r) => r.label)
    const targets: TargetCheck[] = [
      {
        target: 'cold first answer ≤ 5 ms CPU at 10k, ≤ 20 ms at 100k, for the index (blob I/O excluded)',
        measured: `${fmt(overEmpty[tenK]!)} ms, ${fmt(overEmpty[last]!)} ms over the ${fmt(emptyCpu)} ms of an empty index`,
        met: overEmpty[tenK]! <= 5 && overEmpty[last]! <= 20,
      },
      {
        target: 'resident index at 100k ≤ 64 bytes per name',
        measured: `${fmt(sizes[last]!.residentPerName)} B`,
        met: sizes[last]!.residentPerName <= 64,
      },
      {
        target: 'peak memory while loading ≤ 1.2 × the blob',
        measured: `${fmt(peakRatio[last]!, 2)} ×`,
        met: peakRatio[last]! <= 1.2,
      },
      {
        target: 'Node restart over 100k: first answer within 100 ms of an empty server; RSS growth ≤ 128 B per name',
        measured: `+${fmt(restartFullMs - restartEmptyMs)} ms (${fmt(restartFullMs)} against ${fmt(restartEmptyMs)}); ${fmt(restartGrowth)} B per name`,
        met: restartFullMs - restartEmptyMs <= 100 && restartGrowth <= 128,
      },
      {
        target: 'building the index at 100k ≤ 1 s',
        measured: `${fmt(sizes[last]!.buildMs)} ms`,
        met: sizes[last]!.buildMs <= 1000,
      },
      {
        target: 'every figure grows no faster than linearly',
        measured:
          superlinear.length === 0 ? 'all exponents ≤ 1.1 (per name ≤ 0.1)' : `faster: ${superlinear.join('; ')}`,
        met: superlinear.length === 0,
      },
    ]
    return {
      body: [
        'Synthetic snapshots from `bench/synthetic.ts` (seeded): one to three ports per Service, 20%',
        'headless with 3–10 endpoints (half with hostnames), 10% dual-stack, 1% ExternalName, one',
        'namespace per 40 Services, exportTo 75% default / 15% `.` / 10% three namespaces, and one',
        'ServiceEntry per ten Services (40% external APIs, 60% of them with auto-allocated per-host',
        'VIPs; 20% `*.` wildcards with a VIP; 20% VM entries with a static VIP and two endpoints;',
        '20% with two or three hosts sharing a VIP).',
        '',
        `- **validation, build, load, lookup**: median of ${ROUNDS} rounds in one process, sizes rotated each round (JIT warm).`,
        '  The build is `compileData` + `packRegistry`, done once per accepted push by the store (the Durable Object, the',
        '  Node primary); the load is `new PackedIndex(bytes)`, done by every reader.',
        '- **resident index**: `heapUsed + arrayBuffers` after two `gc()` calls (node --expose-gc), before and after',
        '  loading a copy of the blob, the smaller of two tries, divided by the names a push reports (`countNames`).',
        '- **cold first answer**: a fresh Node process per run reads the blob from disk (timed apart), then times loading',
        "  it in the RegistryHolder and the first GET /dns-query through `createMeshdoh`'s app. CPU from `process.cpuUsage`",
        `  (user + system), median of ${COLD_ROUNDS}; process start and module import not counted. RSS growth and the peak`,
        '  (`resourceUsage().maxRSS`) are counted from before the blob is read to after the first answer. The same',
        '  first query over an empty index is the baseline: its CPU is the app itself starting (Hono, the first request',
        '  through V8), which any Worker pays; the row below the cold CPU is what the index adds to it.',
        '- **growth**: the exponent k of figure ∝ size^k between adjacent sizes: 1 is linear, 0 is flat.',
        '',
        body,
        '',
        badAnswers === 0
          ? 'Every cold start answered its first query (NOERROR with an address).'
          : `**${badAnswers} cold starts did not answer their first query correctly.**`,
        '',
        `**Node restart** (\`src/runtime/node.ts\` under tsx, ${RESTART_ROUNDS} runs each, alternated): spawn to the first DoH answer`,
        `over an empty data directory ${fmt(restartEmptyMs)} ms, over the ${fmt(sizes.at(-1)!.services)}-service one`,
        `${fmt(restartFullMs)} ms; VmRSS after that answer grows by ${fmt(restartGrowth)} bytes per published name.`,
        restartBad === 0 ? '' : `**${restartBad} restarts did not answer NOERROR.**`,
        sizes[last]!.pushedBytes > 16 * 2 ** 20
          ? `The 100k document is ${fmt(sizes[last]!.pushedBytes / 2 ** 20)} MiB as pushed: over the default push limit of 16 MiB (\`MESHDOH_MAX_SNAPSHOT_BYTES\`), so a cluster that size must raise it.`
          : '',
      ].join('\n'),
      targets,
    }
  },
}
