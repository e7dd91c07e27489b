/**
 * How long an HTTP cache may keep an answer: RFC 8484 §5.1 (the smallest TTL in the answer)
 * and RFC 2308 §5 for negative answers (the SOA's TTL, capped by its MINIMUM).
 */
import { Rcode, type Answer } from './types.ts'

/** Seconds an answer stays fresh, or undefined when it must not be cached. */
export function freshnessSeconds(answer: Answer): number | undefined {
  if (answer.rcode !== Rcode.NOERROR && answer.rcode !== Rcode.NXDOMAIN) return undefined
  if (answer.rcode === Rcode.NOERROR && answer.answer.length > 0) {
    return Math.min(...answer.answer.map((rr) => rr.ttl))
  }
  const soa = answer.authority.find((rr) => rr.type === 'SOA')
  if (soa?.type === 'SOA') return Math.min(soa.ttl, soa.data.minimum)
  return undefined
}

export function cacheControl(answer: Answer): string {
  const seconds = freshnessSeconds(answer)
  return seconds === undefined ? 'no-store' : `max-age=${seconds}`
}
