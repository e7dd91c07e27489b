/**
 * `npm run bench` runs every part; `npm run bench -- scale workerd` runs the named ones. Each
 * part prints its tables; BENCHMARKS.md gets the new sections, the machine and the versions.
 * Every process a part starts is stopped by PID when the part ends, even when it fails.
 */
import { readFileSync } from 'node:fs'
import { dohPart } from './doh/part.ts'
import { commit, machine, versions } from './machine.ts'
import type { Part, PartOutput } from './part.ts'
import { pinning, stopAll, takeCommands } from './proc.ts'
import { REPORT, writeReport, type SectionRun } from './report.ts'
import { scalePart } from './scale/part.ts'
import { syncPart } from './sync/part.ts'
import { workerdPart } from './workerd/part.ts'

const PARTS: Part[] = [dohPart, workerdPart, scalePart, syncPart]

function usage(): string {
  return [
    'usage: npm run bench [-- <part>...]   run every part, or the named ones',
    '       npm run bench -- --report       rewrite BENCHMARKS.md from its sections and bench/notes.md',
    `parts: ${PARTS.map((p) => `${p.name} (~${p.seconds} s)`).join(', ')}`,
    '',
  ].join('\n')
}

/** The 1-minute load average: other work on a shared machine shows here. */
function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ')[0]!
  } catch {
    return 'unknown'
  }
}

async function runPart(part: Part): Promise<SectionRun> {
  const t0 = performance.now()
  const load = loadAverage()
  const date = new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC'
  let output: PartOutput
  let failed = false
  try {
    output = await part.run()
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error)
    process.stderr.write(`bench ${part.name} failed: ${message}\n`)
    failed = true
    output = {
      body: `**This part did not complete:**\n\n\`\`\`\n${message.split('\n').slice(0, 12).join('\n')}\n\`\`\``,
      targets: [],
    }
  } finally {
    await stopAll()
  }
  const seconds = (performance.now() - t0) / 1000
  return {
    part,
    output,
    failed,
    load: `${load} before, ${loadAverage()} after`,
    commands: takeCommands(),
    date,
    commit: await commit(),
    seconds,
  }
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(usage())
    return 0
  }
  const reportOnly = argv.includes('--report')
  const unknown = argv.filter((a) => a !== '--report' && !PARTS.some((p) => p.name === a))
  if (unknown.length > 0) {
    process.stderr.write(`unknown part: ${unknown.join(', ')}\n${usage()}`)
    return 2
  }
  const chosen = reportOnly ? [] : argv.length === 0 ? PARTS : PARTS.filter((p) => argv.includes(p.name))
  const runs: SectionRun[] = []
  for (const part of chosen) {
    process.stdout.write(`\n## ${part.title} (about ${part.seconds} s)\n\n`)
    const result = await runPart(part)
    runs.push(result)
    process.stdout.write(result.output.body + '\n')
  }
  writeReport(PARTS, runs, { machine: machine(), versions: await versions(), pinning })
  process.stdout.write(`\nwrote ${REPORT.pathname}\n`)
  return runs.some((r) => r.failed) ? 1 : 0
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  async (error: unknown) => {
    await stopAll()
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    process.exitCode = 1
  }
)
