/**
 * The shape of a semantics case (as CoreDNS's handler_test.go): one question and
 * the whole expected response, records in zone-file text. Expected records come from
 * docs/answer-rules.md, never from what the resolver happens to return.
 */
import bookinfo from '../fixtures/semantics/bookinfo.json'
import dualStack from '../fixtures/semantics/dual-stack.json'
import east from '../fixtures/semantics/east.json'
import empty from '../fixtures/semantics/empty.json'
import fast from '../fixtures/semantics/fast.json'
import headless from '../fixtures/semantics/headless.json'
import late from '../fixtures/semantics/late.json'
import remote from '../fixtures/semantics/remote.json'
import serviceEntries from '../fixtures/semantics/service-entries.json'
import slow from '../fixtures/semantics/slow.json'
import visibility from '../fixtures/semantics/visibility.json'
import west from '../fixtures/semantics/west.json'
import wildcards from '../fixtures/semantics/wildcards.json'

/** Snapshots by id; a case names the ones held while it runs (one per cluster). */
export const FIXTURES = {
  bookinfo,
  headless,
  'dual-stack': dualStack,
  east,
  west,
  remote,
  'service-entries': serviceEntries,
  wildcards,
  visibility,
  empty,
  slow,
  fast,
  late,
} satisfies Record<string, { cluster: string; generatedAt: string }>

export type FixtureId = keyof typeof FIXTURES

export type RcodeName = 'NOERROR' | 'FORMERR' | 'SERVFAIL' | 'NXDOMAIN' | 'NOTIMP' | 'REFUSED'

export interface Case {
  /** Outcome first, like Istio's dns_test.go: "success: ...", "nxdomain: ...". */
  name: string
  /** The rule of docs/answer-rules.md the case holds the resolver to. */
  rule: string
  fixtures: FixtureId[]
  /** A view id of test/fixtures/views.json; absent: the anonymous (empty) view. */
  view?: string
  /** Sent with exactly this spelling (0x20 case included), without the final dot. */
  qname: string
  qtype: string
  qclass?: string
  /** Header opcode of the query (R11.2); 0 (QUERY) unless set. */
  opcode?: number
  /** Number of questions sent (R11.2); 1 unless set. */
  qdcount?: 0 | 2
  rcode: RcodeName
  /** Defaults to true for NOERROR and NXDOMAIN, false otherwise (R2.3). */
  aa?: boolean
  answer: string[]
  authority?: string[]
  additional?: string[]
}

/** R9.1: a snapshot's SOA serial, its generatedAt as Unix seconds modulo 2^32. */
export function serialOf(id: FixtureId): number {
  return Math.floor(Date.parse(FIXTURES[id].generatedAt) / 1000) % 2 ** 32
}

/**
 * R9.1, R19.2: the SOA of `zone` in CoreDNS's form: MNAME ns.dns.<zone>, RNAME
 * hostmaster.<zone>, 7200 1800 86400, MINIMUM = ttl, its own TTL min(ttl, 300).
 */
export function soa(zone: string, ttl: number, serial: number, owner = zone): string {
  return `${owner}. ${Math.min(ttl, 300)} IN SOA ns.dns.${zone}. hostmaster.${zone}. ${serial} 7200 1800 86400 ${ttl}`
}
