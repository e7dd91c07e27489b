/**
 * Builds the answer to one question from a NameLookup: rcodes, CNAME chains (R5), negative
 * answers with SOA (R10), SRV additionals (R6.6). Pure: no I/O, no runtime.
 */
import type { Found, NameLookup, NegativeSoa } from './lookup.ts'
import { normalizeName } from './names.ts'
import { EdeCode, QType, Rcode, emptyAnswer, type Answer, type Question, type Rr } from './types.ts'

/** R5.5: chains stop after 8 CNAMEs. */
export const MAX_CNAME_CHAIN = 8

/** What the lookup could not answer itself: a name outside meshdoh, for an upstream (docs/views.md). */
export interface Unowned {
  name: string
  type: number
}

export interface AnswerResult {
  answer: Answer
  /** Set when the question (depth 0) or a CNAME target is not owned: an upstream may finish it. */
  unowned?: Unowned
}

export function answerQuestion(lookup: NameLookup, question: Question): AnswerResult {
  if (question.class !== 1) return { answer: emptyAnswer(Rcode.REFUSED) } // R11.2
  if (question.type === QType.AXFR || question.type === QType.IXFR) return { answer: emptyAnswer(Rcode.REFUSED) }
  if (question.type === QType.OPT) return { answer: emptyAnswer(Rcode.FORMERR) }

  const answer = emptyAnswer(Rcode.NOERROR, true)
  const seen = new Set<string>()
  let owner = question.name
  let name = normalizeName(owner)
  for (let depth = 0; ; depth++) {
    const result = lookup.lookup(name)
    if (result.kind === 'not-ready') {
      return {
        answer: {
          ...emptyAnswer(Rcode.SERVFAIL),
          extendedError: { code: EdeCode.NOT_READY, text: 'no registry snapshot is loaded yet' },
        },
      }
    }
    if (result.kind === 'not-owned') {
      // R2.5 at the question; R5.2 a CNAME target outside owned names ends the chain.
      if (depth === 0) return { answer: emptyAnswer(Rcode.REFUSED), unowned: { name: owner, type: question.type } }
      return { answer, unowned: { name: owner, type: question.type } }
    }
    if (result.kind === 'nxdomain') {
      answer.rcode = Rcode.NXDOMAIN
      answer.authority.push(soaRr(result.soa, name, owner))
      return { answer }
    }
    seen.add(name)
    const follow = result.cname !== undefined && question.type !== QType.CNAME && question.type !== QType.ANY
    if (follow) {
      const cname = result.cname!
      answer.answer.push({ name: owner, type: 'CNAME', ttl: cname.ttl, data: cname.target })
      // R5.5: a loop or a chain too long ends with the CNAMEs so far, NOERROR.
      if (seen.has(cname.target) || depth + 1 >= MAX_CNAME_CHAIN) return { answer }
      owner = cname.target
      name = cname.target
      continue
    }
    const records = result.rrset(question.type, owner)
    if (records.length === 0) {
      // NODATA (R10.2). After a CNAME the chain alone is the answer (R5.3).
      if (depth === 0 && result.soa) answer.authority.push(soaRr(result.soa, name, owner))
      return { answer }
    }
    answer.answer.push(...records)
    if (question.type === QType.SRV) answer.additional.push(...srvAdditionals(lookup, records))
    return { answer }
  }
}

/** The SOA of a negative answer; R1.3: when its owner is the asked name, spelled as asked. */
function soaRr(soa: NegativeSoa, name: string, spelling: string): Rr {
  return { name: soa.owner === name ? spelling : soa.owner, type: 'SOA', ttl: soa.ttl, data: soa.data }
}

/** R6.6: addresses of the SRV targets meshdoh can resolve itself. */
function srvAdditionals(lookup: NameLookup, records: Rr[]): Rr[] {
  const out: Rr[] = []
  const done = new Set<string>()
  for (const rr of records) {
    if (rr.type !== 'SRV' || done.has(rr.data.target)) continue
    done.add(rr.data.target)
    const found = lookup.lookup(rr.data.target)
    if (found.kind !== 'found' || found.cname) continue
    out.push(...(found as Found).rrset(QType.A, rr.data.target), ...(found as Found).rrset(QType.AAAA, rr.data.target))
  }
  return out
}
