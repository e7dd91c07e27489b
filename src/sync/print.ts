/** --dry-run: snapshots go to standard output as JSON instead of to a resolver. */
import type { Logger } from 'pino'
import { parseSnapshot, type SnapshotProblem } from '../registry/validate.ts'
import type { Sink } from './job.ts'
import type { Offer } from './assemble.ts'
import { nextRevision } from './revision.ts'

export interface TextOut {
  write(text: string): unknown
}

export class PrintSink implements Sink {
  #revision = 0

  constructor(
    private readonly out: TextOut,
    private readonly cluster: string,
    private readonly log: Logger,
    /** Indented for a person (--once), one line per snapshot otherwise. */
    private readonly pretty: boolean,
    private readonly now: () => number = Date.now
  ) {}

  offer(offer: Offer): void {
    this.print(offer)
  }

  /** Prints the document that would be pushed; false (and nothing printed) when it fails validation. */
  print(offer: Offer): boolean {
    this.#revision = nextRevision(this.#revision, this.now())
    const rendered = offer.render(this.#revision, new Date(this.now()), this.cluster)
    if (!rendered.ok) return this.#invalid(rendered)
    // A person reads this output: check the whole document once more, as the resolver would.
    const json = rendered.bytes.toString('utf8')
    const doc: unknown = JSON.parse(json)
    const checked = parseSnapshot(doc, this.cluster)
    if (!checked.ok) return this.#invalid(checked)
    this.out.write(`${this.pretty ? JSON.stringify(doc, null, 2) : json}\n`)
    return true
  }

  #invalid(problem: SnapshotProblem): false {
    this.log.error({ error: problem.error, path: problem.path }, 'built an invalid snapshot')
    return false
  }

  async stop(): Promise<void> {}
}
