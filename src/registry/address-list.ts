/**
 * Builds one address list at a time for the compiler: canonical text, no repeats (a set only
 * for long lists, so adding stays O(1) and compile linear), then copied out at its exact size.
 */
import { canonicalIp, isIPv6 } from '../dns/ip.ts'
import { NONE, NO_ADDRESSES, type Addresses } from './records.ts'

// Below this length a scan is cheaper than a set.
export const SCAN_LIMIT = 8

/** One per compile, reused for every list. */
export class AddressList {
  readonly #v4: string[] = []
  readonly #v6: string[] = []
  #seen: Set<string> | undefined = undefined

  /** Adds an address, or a /32 or /128 CIDR as its address; anything else is skipped. */
  add(text: string): void {
    const ip = canonicalIp(text.endsWith('/32') || text.endsWith('/128') ? text.slice(0, text.indexOf('/')) : text)
    if (ip === undefined) return
    const list = isIPv6(ip) ? this.#v6 : this.#v4
    if (this.#seen === undefined) {
      if (this.#v4.length + this.#v6.length < SCAN_LIMIT) {
        if (!list.includes(ip)) list.push(ip)
        return
      }
      this.#seen = new Set(this.#v4)
      for (const known of this.#v6) this.#seen.add(known)
    }
    if (this.#seen.has(ip)) return
    this.#seen.add(ip)
    list.push(ip)
  }

  addAll(texts: readonly string[]): void {
    for (const text of texts) this.add(text)
  }

  /** Moves the list so far into a record's own fields. */
  fill(into: { v4: readonly string[]; v6: readonly string[] }): void {
    if (this.#v4.length > 0) into.v4 = this.#v4.slice()
    if (this.#v6.length > 0) into.v6 = this.#v6.slice()
    this.#v4.length = 0
    this.#v6.length = 0
    this.#seen = undefined
  }

  /** The list so far, and a fresh start for the next one. */
  take(): Addresses {
    const v4 = this.#v4
    const v6 = this.#v6
    this.#seen = undefined
    if (v4.length === 0 && v6.length === 0) return NO_ADDRESSES
    const out: Addresses = { v4: v4.length === 0 ? NONE : v4.slice(), v6: v6.length === 0 ? NONE : v6.slice() }
    v4.length = 0
    v6.length = 0
    return out
  }
}
