/**
 * One question in, one answer out, for a view: the registry held by this isolate, the answer
 * rules of the core, and, where configured, the upstream for names meshdoh does not own.
 * Never throws: whatever goes wrong becomes SERVFAIL.
 */
import { answerQuestion } from '../dns/answer.ts'
import { EdeCode, Rcode, emptyAnswer, type Answer, type Question } from '../dns/types.ts'
import type { RegistryHolder } from '../registry/holder.ts'
import type { View } from '../registry/views.ts'

export type Upstream = (question: Question) => Promise<Answer | undefined>

/** Hooks for metrics: a runtime may count queries and pushes; the core never logs per query. */
export interface AppEvents {
  query?(event: { view: View; type: number; rcode: number; seconds: number }): void
  push?(event: { cluster: string; status: number; outcome: string }): void
  error?(error: unknown): void
}

export class Resolver {
  constructor(
    private readonly holder: RegistryHolder,
    private readonly upstream?: Upstream,
    private readonly events: AppEvents = {}
  ) {}

  async answer(question: Question, view: View): Promise<Answer> {
    const started = performance.now()
    const answer = await this.answerSafely(question, view)
    this.events.query?.({ view, type: question.type, rcode: answer.rcode, seconds: (performance.now() - started) / 1000 })
    return answer
  }

  private async answerSafely(question: Question, view: View): Promise<Answer> {
    try {
      const registry = await this.holder.current()
      const { answer, unowned } = answerQuestion(registry.forView(view), question)
      if (unowned === undefined || this.upstream === undefined) return answer
      return await this.finishUpstream(question, answer, unowned)
    } catch (error) {
      this.events.error?.(error)
      return { ...emptyAnswer(Rcode.SERVFAIL), extendedError: { code: EdeCode.OTHER, text: 'internal error' } }
    }
  }

  /** views.md MESHDOH_UPSTREAM: forward an unowned question, or chase an unowned CNAME target. */
  private async finishUpstream(question: Question, answer: Answer, unowned: { name: string; type: number }): Promise<Answer> {
    const forwarded = await this.upstream!({ name: unowned.name, type: unowned.type, class: question.class })
    if (forwarded === undefined) {
      if (answer.rcode !== Rcode.REFUSED) return answer
      return { ...emptyAnswer(Rcode.SERVFAIL), extendedError: { code: EdeCode.NETWORK_ERROR, text: 'upstream unreachable' } }
    }
    if (answer.answer.length === 0) return { ...forwarded, authoritative: false }
    // A chain that left meshdoh's names: keep our CNAMEs, append what the upstream said.
    return {
      rcode: forwarded.rcode,
      authoritative: false,
      answer: [...answer.answer, ...forwarded.answer],
      authority: forwarded.answer.length > 0 ? [] : forwarded.authority,
      additional: [],
    }
  }
}
