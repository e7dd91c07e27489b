/** Markdown tables: the same text is printed and written to BENCHMARKS.md. */

/** A cell that reads as a figure (`1,234`, `0.34`, `51.5 µs`, `**2,533**`, `n/a`): right-aligned. */
const FIGURE = /^(\*\*)?(-?[\d,.]+( ?(%|×|ms|µs|MB|B|s))?|n\/a)(\*\*)?$/

export function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((h, i) => Math.max(h.length, 3, ...rows.map((r) => (r[i] ?? '').length)))
  const right = headers.map((_, i) => i > 0 && rows.length > 0 && rows.every((r) => FIGURE.test(r[i] ?? '')))
  const pad = (c: string, i: number) => (right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))
  const line = (cells: readonly string[]) => `| ${cells.map(pad).join(' | ')} |`
  const rule = `| ${widths.map((w, i) => (right[i] ? '-'.repeat(w - 1) + ':' : '-'.repeat(w))).join(' | ')} |`
  return [line(headers), rule, ...rows.map(line)].join('\n')
}

/** The verdict column of the targets table. */
export function verdict(met: boolean | 'shown' | undefined): string {
  if (met === 'shown') return 'shown (no bar set)'
  return met === undefined ? 'not measured' : met ? 'met' : 'missed'
}
