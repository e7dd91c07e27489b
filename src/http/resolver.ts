/**
 * One question in, one answer out, for a view: the registry held by this isolate, the answer
 * rules of the core, and, where configured, the upstream for names meshdoh does not own.
 * Never throws: whatever goes wrong becomes SERVFAIL.
 */
import { answerQuestion } from '../dns/answer.ts'
import { EdeCode, Rcode, emptyAnswer, type Answer, type Query } from '../dns/types.ts'
import { buildQuery, queryMessage } from '../dns/wire.ts'
import type { RegistryHolder } from '../registry/holder.ts'
import type { View } from '../registry/views.ts'
import type { Upstream } from './upstream.ts'

export type { Upstream }
export type Asked = Pick<Query, 'question' | 'questionBytes'>

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

  async answer(asked: Asked, view: View): Promise<Answer> {
    const started = performance.now()
    const answer = await this.answerSafely(asked, view)
    const seconds = (performance.now() - started) / 1000
    this.events.query?.({ view, type: asked.question.type, rcode: answer.rcode, seconds })
    return answer
  }

  private async answerSafely(asked: Asked, view: View): Promise<Answer> {
    try {
      const registry = await this.holder.current()
      const { answer, unowned } = answerQuestion(registry.forView(view), asked.question)
      if (this.holder.serving().stale && answer.extendedError === undefined && answer.authoritative) {
        answer.extendedError = { code: EdeCode.STALE_ANSWER, text: 'the snapshot store is unreachable; answering from the last revision read' }
      }
      if (unowned === undefined || this.upstream === undefined) return answer
      if (answer.answer.length === 0) return await this.forward(asked.questionBytes)
      return await this.chase(answer, unowned)
    } catch (error) {
      this.events.error?.(error)
      return { ...emptyAnswer(Rcode.SERVFAIL), extendedError: { code: EdeCode.OTHER, text: 'internal error' } }
    }
  }

  /** views.md MESHDOH_UPSTREAM: a name meshdoh does not own goes upstream whole. */
  private async forward(questionBytes: Uint8Array): Promise<Answer> {
    const reply = await this.upstream!(queryMessage(questionBytes))
    if (reply === undefined) return upstreamFailed()
    return { ...reply.answer, upstream: reply.bytes }
  }

  /** R5.2 with an upstream: a CNAME chain that leaves meshdoh's names is finished upstream. */
  private async chase(answer: Answer, unowned: { name: string; type: number }): Promise<Answer> {
    const reply = await this.upstream!(queryMessage(buildQuery(unowned.name, unowned.type).questionBytes))
    if (reply === undefined) return answer
    return {
      rcode: reply.answer.rcode,
      authoritative: false,
      answer: [...answer.answer, ...reply.answer.answer],
      authority: reply.answer.answer.length > 0 ? [] : reply.answer.authority,
      additional: [],
    }
  }
}

function upstreamFailed(): Answer {
  return { ...emptyAnswer(Rcode.SERVFAIL), extendedError: { code: EdeCode.NETWORK_ERROR, text: 'upstream unreachable' } }
}
