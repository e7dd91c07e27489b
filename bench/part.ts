/** What each benchmark part hands back to the runner. */

/** One target of the issue, and what this run measured against it. */
export interface TargetCheck {
  target: string
  measured: string
  /** undefined: not measured (the part could not run); 'shown': measured, the issue sets no bar. */
  met?: boolean | 'shown'
}

export interface PartOutput {
  /** The section body for BENCHMARKS.md (tables and method), without its heading. */
  body: string
  targets: TargetCheck[]
}

export interface Part {
  name: string
  title: string
  /** Rough wall time, for the runner's budget line. */
  seconds: number
  run(): Promise<PartOutput>
}
