/**
 * DNS messages on the wire: the only module that touches dns-packet, and the one place its
 * exceptions are turned into values (a malformed query must never become an HTTP 500).
 */
import { Buffer } from 'node:buffer'
import * as packet from 'dns-packet'
import { encodeName } from './names.ts'
import { Rcode, type Answer, type Edns, type Query, type Rr } from './types.ts'

/** What the response needs from a query, even one too broken to answer. */
export interface QueryHeader {
  id: number
  opcode: number
  rd: boolean
  cd: boolean
  questionBytes: Uint8Array
  edns?: Edns
}

export type ParsedQuery =
  | { ok: true; query: Query }
  /** Not a DNS message at all: the HTTP layer answers 400 with this reason. */
  | { ok: false; reason: string }
  /** A DNS message we refuse to answer normally: answer with `rcode`. */
  | { ok: false; rcode: Rcode; header: QueryHeader }

const EMPTY = new Uint8Array(0)
const OPT_PADDING = 12
const OPT_EDE = 15
/** RFC 8467 §4.1: pad responses to a multiple of 468 octets. */
export const PADDING_BLOCK = 468

/** Where the question's name and type/class end, or -1 when the name is malformed. */
function questionEnd(bytes: Uint8Array, offset: number): number {
  let length = 0
  for (;;) {
    if (offset >= bytes.length) return -1
    const label = bytes[offset]!
    if (label === 0) break
    // Compression in the first question could only point into the header.
    if ((label & 0xc0) !== 0) return -1
    length += label + 1
    if (length > 254) return -1
    offset += label + 1
  }
  offset += 5
  return offset <= bytes.length ? offset : -1
}

function readEdns(opt: packet.OptAnswer): Edns {
  const options = (opt.options ?? []) as Array<{ code: number }>
  return {
    version: (opt as { ednsVersion?: number }).ednsVersion ?? 0,
    udpPayloadSize: opt.udpPayloadSize ?? 512,
    padding: options.some((o) => o.code === OPT_PADDING),
    dnssecOk: (opt as { flag_do?: boolean }).flag_do === true,
  }
}

/** Parses a DoH request body (RFC 8484 §4.1: a DNS query in wire format). */
export function parseQuery(input: Uint8Array): ParsedQuery {
  if (input.length < 12) return { ok: false, reason: 'DNS message shorter than its 12-octet header' }
  const bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength)
  const flags = bytes.readUInt16BE(2)
  const qdcount = bytes.readUInt16BE(4)
  const end = qdcount >= 1 ? questionEnd(bytes, 12) : -1
  const header: QueryHeader = {
    id: bytes.readUInt16BE(0),
    opcode: (flags >> 11) & 0xf,
    rd: (flags & 0x0100) !== 0,
    cd: (flags & 0x0010) !== 0,
    questionBytes: qdcount === 1 && end > 0 ? bytes.subarray(12, end) : EMPTY,
  }
  // RFC 1035 §4.1.1: a response sent to a server is not a query.
  if (flags & 0x8000) return { ok: false, rcode: Rcode.FORMERR, header: { ...header, questionBytes: EMPTY } }
  if (header.opcode !== 0) return { ok: false, rcode: Rcode.NOTIMP, header }
  if (qdcount !== 1 || end < 0) return { ok: false, rcode: Rcode.FORMERR, header: { ...header, questionBytes: EMPTY } }

  let decoded: packet.Packet
  try {
    decoded = packet.decode(bytes)
  } catch {
    return { ok: false, rcode: Rcode.FORMERR, header }
  }
  const opts = (decoded.additionals ?? []).filter((rr) => rr.type === 'OPT') as packet.OptAnswer[]
  if (opts.length > 1) return { ok: false, rcode: Rcode.FORMERR, header } // RFC 6891 §6.1.1
  if (opts.length === 1) {
    header.edns = readEdns(opts[0]!)
    if (header.edns.version > 0) return { ok: false, rcode: Rcode.BADVERS, header }
  }
  const q = decoded.questions![0]!
  const question = {
    name: q.name === '.' ? '' : q.name,
    type: bytes.readUInt16BE(end - 4),
    class: bytes.readUInt16BE(end - 2),
  }
  return { ok: true, query: { ...header, question } }
}

/** A query built from text, for the JSON API: same path as a wire query from then on. */
export function buildQuery(name: string, type: number): Query {
  const text = name.replace(/\.$/, '')
  const nameBytes = encodeName(text)
  const questionBytes = new Uint8Array(nameBytes.length + 4)
  questionBytes.set(nameBytes)
  const view = new DataView(questionBytes.buffer)
  view.setUint16(nameBytes.length, type)
  view.setUint16(nameBytes.length + 2, 1)
  return { id: 0, opcode: 0, rd: true, cd: false, questionBytes, question: { name: text, type, class: 1 } }
}

function ednsOptions(answer: Answer): Array<{ code: number; data: Buffer }> {
  if (!answer.extendedError) return []
  const text = Buffer.from(answer.extendedError.text, 'utf8')
  const data = Buffer.alloc(2 + text.length)
  data.writeUInt16BE(answer.extendedError.code, 0)
  text.copy(data, 2)
  return [{ code: OPT_EDE, data }]
}

/** Encodes the response to `header`: the question copied verbatim, OPT when the query had EDNS. */
export function encodeResponse(header: QueryHeader, answer: Answer): Uint8Array {
  if (answer.upstream) {
    const copy = answer.upstream.slice()
    copy[0] = header.id >> 8
    copy[1] = header.id & 0xff
    return copy
  }
  let flags = 0x8000 | (header.opcode << 11) | (answer.rcode & 0xf)
  if (answer.authoritative) flags |= 0x0400
  if (header.rd) flags |= 0x0100
  if (header.cd) flags |= 0x0010
  const additionals: packet.Answer[] = answer.additional.map(toPacket)
  const withOpt = header.edns !== undefined || answer.rcode > 0xf
  const options = ednsOptions(answer)
  const opt = {
    type: 'OPT',
    name: '.',
    udpPayloadSize: 1232,
    extendedRcode: answer.rcode >> 4,
    ednsVersion: 0,
    flags: 0,
    options: header.edns ? options : [],
  } as unknown as packet.Answer
  if (withOpt) additionals.push(opt)
  const message = {
    type: 'response' as const,
    id: header.id,
    flags,
    questions: [],
    answers: answer.answer.map(toPacket),
    authorities: answer.authority.map(toPacket),
    additionals,
  }
  let body: Uint8Array = packet.encode(message)
  if (withOpt && header.edns?.padding) {
    // RFC 8467 §4.1: the padding option's own 4 octets count towards the block.
    const unpadded = body.length + header.questionBytes.length + 4
    const padding = (PADDING_BLOCK - (unpadded % PADDING_BLOCK)) % PADDING_BLOCK
    ;(opt as unknown as { options: unknown[] }).options.push({ code: 'PADDING', length: padding })
    body = packet.encode(message)
  }
  const out = new Uint8Array(body.length + header.questionBytes.length)
  out.set(body.subarray(0, 12))
  out.set(header.questionBytes, 12)
  out.set(body.subarray(12), 12 + header.questionBytes.length)
  if (header.questionBytes.length > 0) out[5] = 1 // QDCOUNT
  return out
}

function toPacket(rr: Rr): packet.Answer {
  return {
    name: rr.name === '' ? '.' : rr.name,
    type: rr.type,
    ttl: rr.ttl,
    class: 'IN',
    data: rr.data,
  } as packet.Answer
}

/** A query message for one question: ID 0 and RD, as RFC 8484 §4.1 recommends for caching. */
export function queryMessage(questionBytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + questionBytes.length)
  out[2] = 0x01 // RD
  out[5] = 1 // QDCOUNT
  out.set(questionBytes, 12)
  return out
}

const MODELLED = new Set(['A', 'AAAA', 'CNAME', 'PTR', 'NS', 'SRV', 'SOA', 'TXT'])

function fromPacket(records: packet.Answer[] | undefined): Rr[] {
  const out: Rr[] = []
  for (const rr of records ?? []) {
    if (!MODELLED.has(rr.type)) continue
    const r = rr as { name: string; type: Rr['type']; ttl?: number; data: unknown }
    const data = r.type === 'TXT' ? ([] as unknown[]).concat(r.data).map((d) => String(d)) : r.data
    out.push({ name: r.name === '.' ? '' : r.name, type: r.type, ttl: r.ttl ?? 0, data } as Rr)
  }
  return out
}

/** Reads a response from an upstream; undefined when it is not a well-formed response. */
export function decodeResponse(bytes: Uint8Array): Answer | undefined {
  try {
    const message = packet.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
    if (message.type !== 'response') return undefined
    const rcode = (bytes[3]! & 0xf) as Answer['rcode']
    return {
      rcode,
      authoritative: message.flag_aa === true,
      answer: fromPacket(message.answers),
      authority: fromPacket(message.authorities),
      additional: [],
    }
  } catch {
    return undefined
  }
}
