/**
 * The JSON form of answers used by Google's and Cloudflare's DoH JSON APIs
 * (`application/dns-json`): for people and curl.
 */
import { absolute } from './names.ts'
import type { Answer, Question, Rr } from './types.ts'

export interface JsonRecord {
  name: string
  type: number
  TTL: number
  data: string
}

export interface JsonAnswer {
  Status: number
  TC: boolean
  RD: boolean
  RA: boolean
  AD: boolean
  CD: boolean
  Question: Array<{ name: string; type: number }>
  Answer?: JsonRecord[]
  Authority?: JsonRecord[]
  Additional?: JsonRecord[]
  Comment?: string
}

const TYPE_NUMBERS: Record<Rr['type'], number> = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, TXT: 16, AAAA: 28, SRV: 33 }

function dataText(rr: Rr): string {
  switch (rr.type) {
    case 'A':
    case 'AAAA':
      return rr.data
    case 'CNAME':
    case 'PTR':
    case 'NS':
      return absolute(rr.data)
    case 'SRV':
      return `${rr.data.priority} ${rr.data.weight} ${rr.data.port} ${absolute(rr.data.target)}`
    case 'SOA': {
      const s = rr.data
      return `${absolute(s.mname)} ${absolute(s.rname)} ${s.serial} ${s.refresh} ${s.retry} ${s.expire} ${s.minimum}`
    }
    case 'TXT':
      return rr.data.map((t) => JSON.stringify(t)).join(' ')
  }
}

function records(rrs: Rr[]): JsonRecord[] {
  return rrs.map((rr) => ({ name: absolute(rr.name), type: TYPE_NUMBERS[rr.type], TTL: rr.ttl, data: dataText(rr) }))
}

export function toDnsJson(question: Question, answer: Answer, cd: boolean): JsonAnswer {
  const out: JsonAnswer = {
    Status: answer.rcode,
    TC: false,
    RD: true,
    RA: false,
    AD: false,
    CD: cd,
    Question: [{ name: absolute(question.name), type: question.type }],
  }
  if (answer.answer.length > 0) out.Answer = records(answer.answer)
  if (answer.authority.length > 0) out.Authority = records(answer.authority)
  if (answer.additional.length > 0) out.Additional = records(answer.additional)
  if (answer.extendedError) out.Comment = `EDE(${answer.extendedError.code}): ${answer.extendedError.text}`
  return out
}
