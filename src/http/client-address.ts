/**
 * Who the client is, for the rate limit, when a proxy stands between it and us. The peer's
 * address is the truth unless the peer is a proxy the operator trusts
 * (MESHDOH_TRUSTED_PROXIES); then `Forwarded` (RFC 7239) or else `X-Forwarded-For` names the
 * hops, and the client is the rightmost hop that is not itself a trusted proxy: every hop to
 * its left was written by someone we cannot vouch for, so a forged header changes nothing.
 */
import { parseCidr, parseIp, type Cidr } from '../dns/ip.ts'

export type TrustedProxies = readonly Cidr[]

/** `10.0.0.0/8, fd00::/8, 192.0.2.7`; an entry that is not a CIDR or address is an error. */
export function parseTrustedProxies(text: string | undefined): TrustedProxies | string {
  const cidrs: Cidr[] = []
  for (const item of (text ?? '').split(',')) {
    const entry = item.trim()
    if (entry === '') continue
    const cidr = parseCidr(entry)
    if (cidr === undefined) return `"${entry}" is not an address or CIDR`
    cidrs.push(cidr)
  }
  return cidrs
}

function inCidr(bytes: Uint8Array, cidr: Cidr): boolean {
  if (bytes.length !== cidr.bytes.length) return false
  for (let bit = 0; bit < cidr.bits; bit += 8) {
    const left = Math.min(8, cidr.bits - bit)
    const mask = (0xff << (8 - left)) & 0xff
    if ((bytes[bit >> 3]! & mask) !== (cidr.bytes[bit >> 3]! & mask)) return false
  }
  return true
}

/** The bytes of an address, IPv4-mapped IPv6 (how Node reports IPv4 on a dual-stack socket) as IPv4. */
function addressBytes(text: string): Uint8Array | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(text)
  return parseIp(mapped ? mapped[1]! : text)
}

export function isTrusted(address: string, proxies: TrustedProxies): boolean {
  const bytes = addressBytes(address)
  return bytes !== undefined && proxies.some((cidr) => inCidr(bytes, cidr))
}

/** A `for=` value or an X-Forwarded-For item as a bare address: quotes, brackets and ports gone. */
function hopAddress(value: string): string {
  let text = value.trim()
  if (text.startsWith('"') && text.endsWith('"')) text = text.slice(1, -1)
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text)
  if (bracketed) return bracketed[1]!
  const v4port = /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(text)
  return v4port ? v4port[1]! : text
}

/** The hops a header lists, leftmost (the original client, as claimed) first. */
function hopsOf(forwarded: string | undefined, xForwardedFor: string | undefined): string[] {
  if (forwarded !== undefined && forwarded.trim() !== '') {
    const hops: string[] = []
    for (const element of forwarded.split(',')) {
      for (const pair of element.split(';')) {
        const eq = pair.indexOf('=')
        if (eq > 0 && pair.slice(0, eq).trim().toLowerCase() === 'for') hops.push(hopAddress(pair.slice(eq + 1)))
      }
    }
    return hops
  }
  return (xForwardedFor ?? '')
    .split(',')
    .map(hopAddress)
    .filter((hop) => hop !== '')
}

/**
 * The client's address: the peer itself, or through trusted proxies the rightmost hop that
 * is not trusted. A hop that is not an address (`unknown`, an obfuscated `_id`) is where the
 * chain stops being checkable: it stands for the client.
 */
export function clientAddress(
  peer: string | undefined,
  headers: { forwarded?: string; xForwardedFor?: string },
  proxies: TrustedProxies
): string | undefined {
  if (peer === undefined || proxies.length === 0 || !isTrusted(peer, proxies)) return peer
  const hops = hopsOf(headers.forwarded, headers.xForwardedFor)
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!
    if (addressBytes(hop) === undefined || !isTrusted(hop, proxies)) return hop
  }
  return hops[0] ?? peer
}
