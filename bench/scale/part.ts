/**
 * Part 3, snapshot scale: validation, compile, index memory, stored bytes and the cold first
 * answer at 1k, 10k and 100k services, side by side, with the growth between sizes.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Part, PartOutput, TargetCheck } from '../part.ts'
import { run, tsArgs } from '../proc.ts'
import { fmt, growthExponent, median } from '../stats.ts'
import { table } from '../table.ts'
import type { ColdStart } from './cold.ts'
import type { MeasureRequest, SizeMeasures } from './measure.ts'

export const SIZES = [1000, 10_000, 100_000]
const ROUNDS = 3
const COLD_ROUNDS = 3

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

export async function measureScale(): Promise<{ sizes: SizeMeasures[]; cold: ColdStart[][] }> {
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
    for (let r = 0; r < COLD_ROUNDS; r++) {
      for (let k = 0; k < sizes.length; k++) {
        const i = (k + r) % sizes.length
        const s = sizes[i]!
        cold[i]!.push(await jsonChild<ColdStart>('./scale/cold.ts', [], [s.documentPath, s.probe], 60_000))
      }
    }
    return { sizes, cold }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export const scalePart: Part = {
  name: 'scale',
  title: '3. Snapshot scale',
  seconds: 80,
  async run(): Promise<PartOutput> {
    const { sizes, cold } = await measureScale()
    const coldCpu = cold.map((runs) => median(runs.map((c) => c.cpuMs)))
    const coldWall = cold.map((runs) => median(runs.map((c) => c.wallMs)))
    const badAnswers = cold.flat().filter((c) => c.rcode !== 0 || c.answers < 1).length
    const rows: Row[] = [
      { label: 'names published', values: sizes.map((s) => s.names), linear: 1 },
      { label: 'pushed JSON, bytes', values: sizes.map((s) => s.pushedBytes), linear: 1 },
      { label: 'stored document, bytes', values: sizes.map((s) => s.storedBytes), linear: 1 },
      { label: 'stored document gzipped, bytes', values: sizes.map((s) => s.storedGzipBytes), linear: 1 },
      { label: 'push validation (parseSnapshot), ms', values: sizes.map((s) => s.validateMs), linear: 1 },
      { label: 'JSON.parse of the stored document, ms', values: sizes.map((s) => s.parseStoredMs), linear: 1 },
      { label: 'compile (compileRegistry), ms', values: sizes.map((s) => s.compileMs), linear: 1 },
      { label: 'index heap, MB', values: sizes.map((s) => s.indexBytes / 1e6), linear: 1 },
      { label: 'index heap per name, bytes', values: sizes.map((s) => s.bytesPerName), linear: 0 },
      { label: 'cold first answer, CPU ms', values: coldCpu, linear: 1 },
      { label: 'cold first answer, wall ms', values: coldWall, linear: 1 },
    ]
    const growth = rows.map(growthCells)
    const body = table(
      ['figure', ...SIZES.map((n) => `${fmt(n)} services`), 'growth 1k→10k', 'growth 10k→100k'],
      rows.map((row, i) => [row.label, ...row.values.map((v) => fmt(v)), ...growth[i]!.cells])
    )
    const last = SIZES.length - 1
    const superlinear = rows.filter((_, i) => !growth[i]!.ok).map((r) => r.label)
    const targets: TargetCheck[] = [
      {
        target: 'cold first answer at 100k ≤ 50 ms CPU',
        measured: `${fmt(coldCpu[last]!)} ms`,
        met: coldCpu[last]! <= 50,
      },
      {
        target: 'index at 100k ≤ 200 bytes per name',
        measured: `${fmt(sizes[last]!.bytesPerName)} B`,
        met: sizes[last]!.bytesPerName <= 200,
      },
      {
        target: 'compile at 100k ≤ 1 s',
        measured: `${fmt(sizes[last]!.compileMs)} ms`,
        met: sizes[last]!.compileMs <= 1000,
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
        `- **validation, JSON.parse, compile**: median of ${ROUNDS} rounds in one process, sizes rotated each round (JIT warm).`,
        '- **index heap**: `heapUsed` after two `gc()` calls (node --expose-gc), before and after one `compileRegistry`,',
        '  the smaller of two tries, divided by the names a push reports (`countNames`).',
        '- **stored bytes**: `JSON.stringify` of the validated snapshot, as the push route stores it.',
        '- **cold first answer**: a fresh Node process per run times the storage read (the document from disk),',
        "  JSON.parse and compile in the RegistryHolder, and the first GET /dns-query through `createMeshdoh`'s app.",
        `  CPU from \`process.cpuUsage\` (user + system, all threads), median of ${COLD_ROUNDS}; process start and module import not counted.`,
        '- **growth**: the exponent k of figure ∝ size^k between adjacent sizes: 1 is linear, 0 is flat.',
        '',
        body,
        '',
        badAnswers === 0
          ? 'Every cold start answered its first query (NOERROR with an address).'
          : `**${badAnswers} cold starts did not answer their first query correctly.**`,
        sizes[last]!.pushedBytes > 16 * 2 ** 20
          ? `The 100k document is ${fmt(sizes[last]!.pushedBytes / 2 ** 20)} MiB as pushed: over the default push limit of 16 MiB (\`MESHDOH_MAX_SNAPSHOT_BYTES\`), so a cluster that size must raise it.`
          : '',
      ].join('\n'),
      targets,
    }
  },
}
