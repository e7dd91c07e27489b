/** The vocabulary of the DNS core: questions, records and answers, independent of any runtime. */

export const Rcode = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  /** Extended rcode 16 (RFC 6891 §9): carried half in the header, half in the OPT record. */
  BADVERS: 16,
} as const
export type Rcode = (typeof Rcode)[keyof typeof Rcode]

/** Record types by mnemonic: the ones meshdoh answers, and the common ones people type. */
export const QType = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  HINFO: 13,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  NAPTR: 35,
  OPT: 41,
  DS: 43,
  RRSIG: 46,
  NSEC: 47,
  DNSKEY: 48,
  SVCB: 64,
  HTTPS: 65,
  IXFR: 251,
  AXFR: 252,
  ANY: 255,
  CAA: 257,
} as const

/** The mnemonic of a type number, or undefined for one without a name here. */
export function typeName(type: number): string | undefined {
  return TYPE_NAMES.get(type)
}

const TYPE_NAMES = new Map<number, string>(Object.entries(QType).map(([name, code]) => [code, name]))

export interface SoaData {
  mname: string
  rname: string
  serial: number
  refresh: number
  retry: number
  expire: number
  minimum: number
}

export interface SrvData {
  priority: number
  weight: number
  port: number
  target: string
}

/** A resource record, in the shape dns-packet encodes. Names carry no final dot. */
export type Rr =
  | { name: string; type: 'A' | 'AAAA' | 'CNAME' | 'PTR' | 'NS'; ttl: number; data: string }
  | { name: string; type: 'SRV'; ttl: number; data: SrvData }
  | { name: string; type: 'SOA'; ttl: number; data: SoaData }
  | { name: string; type: 'TXT'; ttl: number; data: string[] }

export interface Question {
  /** The name as asked, case kept, no final dot ('' for the root). */
  name: string
  type: number
  class: number
}

export interface Edns {
  version: number
  udpPayloadSize: number
  /** The client asked for padding (RFC 7830): the response is padded (RFC 8467). */
  padding: boolean
  dnssecOk: boolean
}

export interface Query {
  id: number
  /** Always 0 (QUERY): other opcodes are answered NOTIMP before a Query exists. */
  opcode: number
  /** Header flags of the query: RD and CD are copied into the response. */
  rd: boolean
  cd: boolean
  question: Question
  /** The question section's bytes, copied verbatim into the response. */
  questionBytes: Uint8Array
  edns?: Edns
}

/** An Extended DNS Error (RFC 8914). */
export interface ExtendedError {
  code: number
  text: string
}

export interface Answer {
  rcode: Rcode
  authoritative: boolean
  answer: Rr[]
  authority: Rr[]
  additional: Rr[]
  extendedError?: ExtendedError
  /**
   * An upstream's whole response to the same question (docs/views.md MESHDOH_UPSTREAM): sent on
   * the wire as it came, with the client's ID; the sections above are what JSON shows of it.
   */
  upstream?: Uint8Array
}

export const EdeCode = {
  OTHER: 0,
  STALE_ANSWER: 3,
  NOT_READY: 14,
  PROHIBITED: 18,
  NOT_AUTHORITATIVE: 20,
  NOT_SUPPORTED: 21,
  NETWORK_ERROR: 23,
} as const

export function emptyAnswer(rcode: Rcode, authoritative = false): Answer {
  return { rcode, authoritative, answer: [], authority: [], additional: [] }
}
