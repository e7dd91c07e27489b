/**
 * One question in, one answer out, for a view: the registry held by this isolate, the answer
 * rules of the core, and, where configured, the upstream for names meshdoh does not own.
 * Never throws: whatever goes wrong becomes SERVFAIL.
 */
import { answerQuestion } from '../dns/answer.ts'
import { cacheControl } from '../dns/cache.ts'
import { encodeResponse, parseQuery } from '../dns/wire.ts'
import { AnswerCache } from './answer-cache.ts'
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

/** The reply to a wire query: a DNS message, or why the bytes are not a DNS message at all. */
interface Resolved {
  answer: Answer
  /** Decided by the held registry alone: the same query gets the same answer until it changes. */
  fromRegistryAlone: boolean
}

export type WireReply = { ok: true; body: Uint8Array; cacheControl: string } | { ok: false; reason: string }

export class Resolver {
  readonly #cache = new AnswerCache()

  constructor(
    private readonly holder: RegistryHolder,
    private readonly upstream?: Upstream,
    private readonly events: AppEvents = {}
  ) {}

  cacheTextKey(viewId: string, dns: string, flags: number): string | undefined {
    return this.#cache.textKey(viewId, dns, flags)
  }

  /**
   * The cached answer to a GET's `dns` text, without decoding it, when the registry needs no
   * refresh: the synchronous hot path of the Node server. `key` comes from AnswerCache.textKey.
   */
  cachedText(key: string, id: number, view: View): { body: Uint8Array; cacheControl: string } | undefined {
    const registry = this.holder.current()
    if (registry instanceof Promise || this.holder.stale()) return undefined
    const hit = this.#cache.get(registry, key)
    if (hit === undefined) return undefined
    this.events.query?.({ view, type: hit.type, rcode: hit.rcode, seconds: 0 })
    return { body: AnswerCache.withId(hit, id), cacheControl: hit.cacheControl }
  }

  /** RFC 8484: a wire query in, a wire answer out, from the answer cache when it repeats. */
  async wire(bytes: Uint8Array, view: View, textKey?: string): Promise<WireReply> {
    const started = performance.now()
    const registry = await this.holder.current()
    const key = textKey ?? this.#cache.key(view.id, bytes)
    // A stale registry's answers carry an EDE that cached bytes lack: no cache then.
    const hit = key === undefined || this.holder.stale() ? undefined : this.#cache.get(registry, key)
    if (hit !== undefined) {
      const seconds = (performance.now() - started) / 1000
      this.events.query?.({ view, type: hit.type, rcode: hit.rcode, seconds })
      return { ok: true, body: AnswerCache.withId(hit, (bytes[0]! << 8) | bytes[1]!), cacheControl: hit.cacheControl }
    }
    const parsed = parseQuery(bytes)
    if (!parsed.ok && 'reason' in parsed) return { ok: false, reason: parsed.reason }
    if (!parsed.ok)
      return { ok: true, body: encodeResponse(parsed.header, emptyAnswer(parsed.rcode)), cacheControl: 'no-store' }
    const { answer, fromRegistryAlone } = await this.observed(parsed.query, view)
    const body = encodeResponse(parsed.query, answer)
    const control = cacheControl(answer)
    // Only what the registry alone decides is kept: not upstream answers, not stale or failed ones.
    const cacheable = fromRegistryAlone && answer.extendedError === undefined && answer.rcode !== Rcode.SERVFAIL
    if (key !== undefined && cacheable) {
      this.#cache.set(registry, key, {
        bytes: body,
        cacheControl: control,
        type: parsed.query.question.type,
        rcode: answer.rcode,
      })
    }
    return { ok: true, body, cacheControl: control }
  }

  /** One question (JSON API, or a parsed wire query) for a view. */
  async answer(asked: Asked, view: View): Promise<Answer> {
    return (await this.observed(asked, view)).answer
  }

  private async observed(asked: Asked, view: View): Promise<Resolved> {
    const started = performance.now()
    const resolved = await this.resolve(asked, view)
    const seconds = (performance.now() - started) / 1000
    this.events.query?.({ view, type: asked.question.type, rcode: resolved.answer.rcode, seconds })
    return resolved
  }

  private async resolve(asked: Asked, view: View): Promise<Resolved> {
    try {
      const registry = await this.holder.current()
      const { answer, unowned } = answerQuestion(registry.forView(view), asked.question)
      if (this.holder.stale() && answer.extendedError === undefined && answer.authoritative) {
        answer.extendedError = {
          code: EdeCode.STALE_ANSWER,
          text: 'the snapshot store is unreachable; answering from the last revision read',
        }
      }
      if (unowned === undefined || this.upstream === undefined) return { answer, fromRegistryAlone: true }
      const finished =
        answer.answer.length === 0 ? await this.forward(asked.questionBytes) : await this.chase(answer, unowned)
      return { answer: finished, fromRegistryAlone: false }
    } catch (error) {
      this.events.error?.(error)
      const answer = { ...emptyAnswer(Rcode.SERVFAIL), extendedError: { code: EdeCode.OTHER, text: 'internal error' } }
      return { answer, fromRegistryAlone: false }
    }
  }

  /** docs/views.md MESHDOH_UPSTREAM: a name meshdoh does not own goes upstream whole. */
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
  return {
    ...emptyAnswer(Rcode.SERVFAIL),
    extendedError: { code: EdeCode.NETWORK_ERROR, text: 'upstream unreachable' },
  }
}
