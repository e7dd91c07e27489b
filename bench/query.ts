/** DoH GET queries as a client sends them: ID 0 and RD (RFC 8484 §4.1), no EDNS. */
import { Buffer } from 'node:buffer'
import type { Answer } from '../src/dns/types.ts'
import { buildQuery, encodeResponse, queryMessage } from '../src/dns/wire.ts'

export function queryBytes(name: string, type = 1): Uint8Array {
  return queryMessage(buildQuery(name, type).questionBytes)
}

export function base64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url')
}

/** `/dns-query?dns=…` for one A question (or `type`). */
export function dohPath(name: string, type = 1, prefix = ''): string {
  return `${prefix}/dns-query?dns=${base64Url(queryBytes(name, type))}`
}

/** The rcode and answer count of a response message. */
export function responseSummary(bytes: Uint8Array): { rcode: number; answers: number } {
  return { rcode: bytes[3]! & 0xf, answers: (bytes[6]! << 8) | bytes[7]! }
}

/** One well-formed answer (`fixed.example A 10.0.0.1`), for servers that answer every query alike. */
export function fixedResponse(): Uint8Array<ArrayBuffer> {
  const answer: Answer = {
    rcode: 0,
    authoritative: true,
    answer: [{ name: 'fixed.example', type: 'A', ttl: 30, data: '10.0.0.1' }],
    authority: [],
    additional: [],
  }
  return new Uint8Array(encodeResponse(buildQuery('fixed.example', 1), answer))
}
