/**
 * Builders of `Found` results: the RRsets at one name, made on demand from compiled records.
 * Every RR carries the ttl of the snapshot that supplied it (R19.1).
 */
import type { Found, NegativeSoa } from '../dns/lookup.ts'
import { QType, type Rr } from '../dns/types.ts'
import type { Addresses, PortRecord } from './records.ts'

export const SCHEMA_VERSION = '1.1.0'
const SCHEMA_VERSION_TTL = 28800

export function addressRrs(type: number, owner: string, addresses: Addresses, ttl: number): Rr[] {
  if (type === QType.A) return addresses.v4.map((data) => ({ name: owner, type: 'A', ttl, data }))
  if (type === QType.AAAA) return addresses.v6.map((data) => ({ name: owner, type: 'AAAA', ttl, data }))
  if (type === QType.ANY)
    return [...addressRrs(QType.A, owner, addresses, ttl), ...addressRrs(QType.AAAA, owner, addresses, ttl)]
  return []
}

/** An owned name with addresses: a ClusterIP or headless service, an endpoint, a ServiceEntry host. */
export function addressFound(addresses: Addresses, ttl: number, soa: NegativeSoa | undefined, srv?: SrvSource): Found {
  return {
    kind: 'found',
    authoritative: true,
    soa,
    ttl,
    rrset(type, owner) {
      if (type === QType.SRV && srv) return srvRrs(owner, srv.ports, srv.targets, ttl)
      return addressRrs(type, owner, addresses, ttl)
    },
  }
}

export interface SrvSource {
  ports: readonly PortRecord[]
  targets: readonly string[]
}

/** R6.2, R6.3, R6.5: one record per (target, port), priority 0, weight floor(100/N), at least 1. */
export function srvRrs(owner: string, ports: readonly PortRecord[], targets: readonly string[], ttl: number): Rr[] {
  const pairs: Array<[string, PortRecord]> = []
  for (const target of targets) for (const port of ports) pairs.push([target, port])
  const weight = Math.max(1, Math.floor(100 / Math.max(1, pairs.length)))
  return pairs.map(([target, port]) => ({
    name: owner,
    type: 'SRV',
    ttl,
    data: { priority: 0, weight, port: port.port, target },
  }))
}

export function srvFound(
  ports: readonly PortRecord[],
  targets: readonly string[],
  ttl: number,
  soa: NegativeSoa
): Found {
  return {
    kind: 'found',
    authoritative: true,
    soa,
    ttl,
    rrset: (type, owner) => (type === QType.SRV || type === QType.ANY ? srvRrs(owner, ports, targets, ttl) : []),
  }
}

export function cnameFound(target: string, ttl: number, soa: NegativeSoa | undefined): Found {
  return {
    kind: 'found',
    authoritative: true,
    soa,
    ttl,
    cname: { target, ttl },
    rrset: (type, owner) =>
      type === QType.CNAME || type === QType.ANY ? [{ name: owner, type: 'CNAME', ttl, data: target }] : [],
  }
}

/** A name that exists without data of its own (R9.5, R10.3). */
export function emptyFound(soa: NegativeSoa | undefined): Found {
  return { kind: 'found', authoritative: true, soa, ttl: soa?.data.minimum ?? 0, nonTerminal: true, rrset: () => [] }
}

/** R9.1, R9.4: SOA and NS at a zone apex. */
export function apexFound(soa: NegativeSoa, nsTtl: number): Found {
  return {
    kind: 'found',
    authoritative: true,
    soa,
    ttl: soa.ttl,
    rrset(type, owner) {
      const out: Rr[] = []
      if (type === QType.SOA || type === QType.ANY) out.push({ name: owner, type: 'SOA', ttl: soa.ttl, data: soa.data })
      if (type === QType.NS || type === QType.ANY)
        out.push({ name: owner, type: 'NS', ttl: nsTtl, data: soa.data.mname })
      return out
    },
  }
}

/** R8.1: `dns-version.<zone>. TXT "1.1.0"`. */
export function schemaVersionFound(soa: NegativeSoa): Found {
  return {
    kind: 'found',
    authoritative: true,
    soa,
    ttl: SCHEMA_VERSION_TTL,
    rrset: (type, owner) =>
      type === QType.TXT || type === QType.ANY
        ? [{ name: owner, type: 'TXT', ttl: SCHEMA_VERSION_TTL, data: [SCHEMA_VERSION] }]
        : [],
  }
}

/** R7: one PTR per target; the RRset gets the smallest ttl of its snapshots (RFC 2181 §5.2). */
export function ptrFound(targets: Array<{ target: string; ttl: number }>, soa: NegativeSoa | undefined): Found {
  const ttl = Math.min(...targets.map((t) => t.ttl))
  return {
    kind: 'found',
    authoritative: true,
    soa,
    ttl,
    rrset: (type, owner) =>
      type === QType.PTR || type === QType.ANY
        ? targets.map((t) => ({ name: owner, type: 'PTR', ttl, data: t.target }))
        : [],
  }
}

/** R9.1: the SOA of a zone, as CoreDNS builds it; its own TTL is capped at 300 (R19.2). */
export function soaFor(zone: string, ttl: number, serial: number): NegativeSoa {
  return {
    owner: zone,
    ttl: Math.min(ttl, 300),
    data: {
      mname: `ns.dns.${zone}`,
      rname: `hostmaster.${zone}`,
      serial,
      refresh: 7200,
      retry: 1800,
      expire: 86400,
      minimum: ttl,
    },
  }
}
