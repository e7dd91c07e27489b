/**
 * The narrow interface answers are built from (as CoreDNS's ServiceBackend): the registry
 * implements it, `answer.ts` turns its results into DNS responses. Names are normalised
 * (lower case, no final dot); owners passed to `rrset` keep the asker's spelling (R1.3).
 */
import type { Rr, SoaData } from './types.ts'

/** The SOA that goes into the authority section of a negative answer (R10, RFC 2308). */
export interface NegativeSoa {
  owner: string
  ttl: number
  data: SoaData
}

export interface Found {
  kind: 'found'
  /** An alias at this name (ExternalName R5, or the search-domain shortcut R16). */
  cname?: { target: string; ttl: number }
  /** The records of `type` at this name (QType.ANY: every RRset R11.1), owned by `owner`. */
  rrset(type: number, owner: string): Rr[]
  /** For NODATA answers; absent where no SOA applies. */
  soa?: NegativeSoa
  /** Whether meshdoh is authoritative for this answer (AA, R2.3). */
  authoritative: boolean
  /** The ttl of the records here: an alias pointing at this name gets the same (R16). */
  ttl: number
  /** The name exists but holds no data of its own (apex aside): an empty non-terminal. */
  nonTerminal?: boolean
}

export type Lookup =
  | Found
  | { kind: 'nxdomain'; soa: NegativeSoa }
  /** Not a name meshdoh owns (R2.5): REFUSED, or forwarded upstream where configured. */
  | { kind: 'not-owned' }
  /** No snapshot is held and the name is in the default domain (R2.6). */
  | { kind: 'not-ready' }

export interface NameLookup {
  lookup(name: string): Lookup
}
