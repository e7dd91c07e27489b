/**
 * IP addresses as text and as bytes: canonical forms (RFC 5952), reverse names (RFC 1035
 * §3.5, RFC 3596 §2.5) and CIDR arithmetic for the reverse zones of `serviceCIDRs`.
 */

/** Bytes of an IPv4 or IPv6 address in text, or undefined. */
export function parseIp(text: string): Uint8Array | undefined {
  return text.includes(':') ? parseIPv6(text) : parseIPv4(text)
}

function parseIPv4(text: string): Uint8Array | undefined {
  const parts = text.split('.')
  if (parts.length !== 4) return undefined
  const out = new Uint8Array(4)
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!
    if (!/^\d{1,3}$/.test(part) || (part.length > 1 && part[0] === '0')) return undefined
    const value = Number(part)
    if (value > 255) return undefined
    out[i] = value
  }
  return out
}

function parseIPv6(text: string): Uint8Array | undefined {
  if (text.includes('%')) return undefined
  let tail: Uint8Array | undefined
  let body = text
  const lastColon = text.lastIndexOf(':')
  if (text.slice(lastColon + 1).includes('.')) {
    tail = parseIPv4(text.slice(lastColon + 1))
    if (!tail) return undefined
    body = text.slice(0, lastColon + 1) + '0:0'
  }
  const halves = body.split('::')
  if (halves.length > 2) return undefined
  const head = halves[0] === '' ? [] : halves[0]!.split(':')
  const rest = halves.length === 2 ? (halves[1] === '' ? [] : halves[1]!.split(':')) : []
  const missing = 8 - head.length - rest.length
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest]
  const out = new Uint8Array(16)
  for (let i = 0; i < 8; i++) {
    const group = groups[i]!
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined
    const value = parseInt(group, 16)
    out[i * 2] = value >> 8
    out[i * 2 + 1] = value & 0xff
  }
  if (tail) out.set(tail, 12)
  return out
}

/** RFC 5952 text: lower case, no leading zeros, the longest run of ≥2 zero groups as '::'. */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return bytes.join('.')
  const groups: number[] = []
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!)
  let bestStart = -1
  let bestLength = 1
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLength) {
      bestStart = i
      bestLength = j - i
    }
    i = j
  }
  const hex = groups.map((g) => g.toString(16))
  if (bestStart < 0) return hex.join(':')
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`
}

/**
 * Whether `text` is an IPv4 address already in canonical form: four decimal octets, no
 * leading zeros, each at most 255. A character scan, so the common case needs no parse.
 */
export function isCanonicalIPv4(text: string): boolean {
  const length = text.length
  if (length < 7 || length > 15) return false
  let parts = 0
  let value = 0
  let digits = 0
  for (let i = 0; i <= length; i++) {
    const c = i === length ? 46 : text.charCodeAt(i)
    if (c === 46) {
      // '.', or the end: close an octet.
      if (digits === 0 || value > 255) return false
      parts++
      value = 0
      digits = 0
      continue
    }
    if (c < 48 || c > 57) return false
    if (digits > 0 && value === 0) return false // a leading zero
    value = value * 10 + (c - 48)
    if (++digits > 3) return false
  }
  return parts === 4
}

/** The canonical text of an address, or undefined when `text` is not one. */
export function canonicalIp(text: string): string | undefined {
  if (isCanonicalIPv4(text)) return text
  const bytes = parseIp(text)
  return bytes ? formatIp(bytes) : undefined
}

export function isIPv6(canonical: string): boolean {
  return canonical.includes(':')
}

/** `10.96.0.1` → `1.0.96.10.in-addr.arpa`; IPv6 → 32 nibbles under `ip6.arpa`. */
export function reverseName(bytes: Uint8Array): string {
  if (bytes.length === 4) return `${[...bytes].reverse().join('.')}.in-addr.arpa`
  const nibbles: string[] = []
  for (let i = 15; i >= 0; i--) nibbles.push((bytes[i]! & 0xf).toString(16), (bytes[i]! >> 4).toString(16))
  return `${nibbles.join('.')}.ip6.arpa`
}

/** A reverse name read back: the address prefix it names (bits known) and its family size. */
export interface ReversePrefix {
  bytes: Uint8Array
  bits: number
  /** True when every label is present: the name is one address. */
  complete: boolean
}

/** Parses a lower-cased name under in-addr.arpa or ip6.arpa; undefined when it is not one. */
export function parseReverseName(name: string): ReversePrefix | undefined {
  if (name.endsWith('in-addr.arpa')) {
    const labels = name === 'in-addr.arpa' ? [] : name.slice(0, -'.in-addr.arpa'.length).split('.')
    if (labels.length > 4) return undefined
    const bytes = new Uint8Array(4)
    const octets = labels.reverse()
    for (let i = 0; i < octets.length; i++) {
      const label = octets[i]!
      if (!/^\d{1,3}$/.test(label) || (label.length > 1 && label[0] === '0') || Number(label) > 255) return undefined
      bytes[i] = Number(label)
    }
    return { bytes, bits: octets.length * 8, complete: octets.length === 4 }
  }
  if (name.endsWith('ip6.arpa')) {
    const labels = name === 'ip6.arpa' ? [] : name.slice(0, -'.ip6.arpa'.length).split('.')
    if (labels.length > 32) return undefined
    const bytes = new Uint8Array(16)
    const nibbles = labels.reverse()
    for (let i = 0; i < nibbles.length; i++) {
      const label = nibbles[i]!
      if (!/^[0-9a-f]$/.test(label)) return undefined
      const value = parseInt(label, 16)
      bytes[i >> 1] |= i % 2 === 0 ? value << 4 : value
    }
    return { bytes, bits: nibbles.length * 4, complete: nibbles.length === 32 }
  }
  return undefined
}

export interface Cidr {
  bytes: Uint8Array
  bits: number
}

export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/')
  const bytes = parseIp(slash < 0 ? text : text.slice(0, slash))
  if (!bytes) return undefined
  const bits = slash < 0 ? bytes.length * 8 : Number(text.slice(slash + 1))
  if (!Number.isInteger(bits) || bits < 0 || bits > bytes.length * 8) return undefined
  return { bytes, bits }
}

/**
 * The reverse zones that hold a CIDR, as CoreDNS's plugin/pkg/cidr `Class` makes them: a
 * prefix off a label boundary (octet for IPv4, nibble for IPv6) becomes the prefixes of the
 * next boundary that cover it, so 10.96.0.0/12 is 96.10 ... 111.10.in-addr.arpa and nothing
 * else of 10/8. At most 128 zones (IPv4 /1) or 8 (IPv6).
 */
export function reverseZonesOf(cidr: Cidr): string[] {
  const step = cidr.bytes.length === 4 ? 8 : 4
  const bits = Math.ceil(cidr.bits / step) * step
  const labels = bits / step
  const total = (cidr.bytes.length * 8) / step
  const zones: string[] = []
  for (let i = 0; i < 2 ** (bits - cidr.bits); i++) {
    const bytes = new Uint8Array(cidr.bytes)
    // Clear the host bits, then write the subnet number into the bits up to the boundary.
    for (let bit = cidr.bits; bit < bytes.length * 8; bit++) bytes[bit >> 3] &= ~(0x80 >> (bit & 7))
    for (let bit = 0; bit < bits - cidr.bits; bit++) {
      if ((i >> bit) & 1) bytes[(bits - 1 - bit) >> 3] |= 0x80 >> ((bits - 1 - bit) & 7)
    }
    zones.push(
      reverseName(bytes)
        .split('.')
        .slice(total - labels)
        .join('.')
    )
  }
  return zones
}
