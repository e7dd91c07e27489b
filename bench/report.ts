/**
 * BENCHMARKS.md: a head (machine, versions, targets) rewritten on every run, and one section
 * per part, rewritten only when that part runs, so `npm run bench -- scale` keeps the others.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import type { Machine } from './machine.ts'
import type { Part, PartOutput, TargetCheck } from './part.ts'
import { table, verdict } from './table.ts'

export const REPORT = new URL('../BENCHMARKS.md', import.meta.url)
const NOTES = new URL('./notes.md', import.meta.url)

export interface SectionRun {
  part: Part
  output: PartOutput
  commands: string[]
  failed: boolean
  /** The 1-minute load average before and after the part. */
  load: string
  date: string
  commit: string
  seconds: number
}

const open = (name: string) => `<!-- section:${name} -->`
const close = (name: string) => `<!-- /section:${name} -->`

function section(run: SectionRun): string {
  const { part, output } = run
  return [
    open(part.name),
    `## ${part.title}`,
    '',
    `Measured ${run.date} at meshdoh ${run.commit} by \`npm run bench -- ${part.name}\` (${Math.round(run.seconds)} s;`,
    `1-minute load average ${run.load}: other work shares this machine).`,
    '',
    output.body.trim(),
    '',
    'Commands run (temporary paths vary):',
    '',
    '```sh',
    ...(run.commands.length > 0 ? run.commands : ['(none: measured in the runner process)']),
    '```',
    `<!-- targets:${part.name} ${JSON.stringify(output.targets)} -->`,
    close(part.name),
  ].join('\n')
}

/** The sections already in BENCHMARKS.md, by part name. */
function previousSections(): Map<string, string> {
  const out = new Map<string, string>()
  if (!existsSync(REPORT)) return out
  const text = readFileSync(REPORT, 'utf8')
  for (const match of text.matchAll(/<!-- section:([\w-]+) -->[\s\S]*?<!-- \/section:\1 -->/g))
    out.set(match[1]!, match[0])
  return out
}

function targetsOf(sectionText: string, name: string): TargetCheck[] {
  const match = new RegExp(`<!-- targets:${name} (.*) -->`).exec(sectionText)
  return match ? (JSON.parse(match[1]!) as TargetCheck[]) : []
}

export interface Head {
  machine: Machine
  versions: Record<string, string>
  pinning: string
}

export function writeReport(parts: readonly Part[], runs: readonly SectionRun[], head: Head): void {
  const sections = previousSections()
  for (const r of runs) sections.set(r.part.name, section(r))
  const summary: string[][] = []
  for (const part of parts) {
    const text = sections.get(part.name)
    if (text === undefined) {
      summary.push([part.title, 'not run yet', '', ''])
      continue
    }
    for (const t of targetsOf(text, part.name))
      summary.push([part.title.replace(/^\d+\. /, ''), t.target, t.measured, verdict(t.met)])
  }
  const { machine: m, versions, pinning } = head
  const notes = existsSync(NOTES) ? readFileSync(NOTES, 'utf8').trim() : ''
  const text = [
    '# meshdoh benchmarks',
    '',
    'Written by `npm run bench` (`bench/run.ts`); `npm run bench -- <part>` reruns one part',
    '(`doh-h2`, `workerd`, `scale`, `sync`) and rewrites only its section and the summary. The',
    'machine is a shared 2-core VM, so contenders are compared as ratios measured in the same run,',
    'alternating them round by round, and every figure is a median of rounds.',
    '',
    '## Machine and versions (last run)',
    '',
    table(
      ['', 'last run'],
      [
        ['CPU', `${m.cpu}, ${m.cores} cores`],
        ['memory', `${m.memoryGiB} GiB`],
        ['kernel', m.kernel],
        ['pinning', pinning],
        ...Object.entries(versions),
      ]
    ),
    '',
    '## The targets of the issue, against this run',
    '',
    table(['part', 'target', 'measured', 'verdict'], summary),
    '',
    ...(notes ? [notes, ''] : []),
    ...parts.flatMap((p) => [
      sections.get(p.name) ??
        `${open(p.name)}\n## ${p.title}\n\nNot run yet: \`npm run bench -- ${p.name}\`.\n${close(p.name)}`,
      '',
    ]),
  ].join('\n')
  writeFileSync(REPORT, text)
}
