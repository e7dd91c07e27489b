/** --dry-run: snapshots go to standard output as JSON instead of to a resolver. */
import type { Logger } from 'pino'
import { parseSnapshot } from '../registry/validate.ts'
import type { Sink } from './job.ts'
import { nextRevision, stampSnapshot } from './revision.ts'
import type { Offer } from './target.ts'

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
    const doc = stampSnapshot(offer.content, this.#revision, new Date(this.now()))
    const checked = parseSnapshot(doc, this.cluster)
    if (!checked.ok) {
      this.log.error({ error: checked.error, path: checked.path }, 'built an invalid snapshot')
      return false
    }
    this.out.write(`${JSON.stringify(doc, null, this.pretty ? 2 : undefined)}\n`)
    return true
  }

  async stop(): Promise<void> {}
}
