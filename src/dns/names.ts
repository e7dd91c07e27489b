/** Domain names as text: normalising (R1), checking names typed by people, the wire form. */
import { formatIp, isCanonicalIPv4, parseIp } from './ip.ts'

/** R1.1, R1.4: lower case (ASCII only), no final dot. */
export function normalizeName(name: string): string {
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name
  for (let i = 0; i < trimmed.length; i++) {
    const c = trimmed.charCodeAt(i)
    if (c >= 65 && c <= 90) return trimmed.replace(/[A-Z]+/g, (s) => s.toLowerCase())
  }
  return trimmed
}

/** The name as written in an answer: with the final dot (R1.2), for JSON and messages. */
export function absolute(name: string): string {
  return name === '' ? '.' : `${name}.`
}

/** Why a typed name (JSON API) is not a domain name, or undefined when it is one. */
export function nameProblem(text: string): string | undefined {
  if (text === '' || text === '.') return undefined
  const name = text.endsWith('.') ? text.slice(0, -1) : text
  if (name.length > 253) return 'name is longer than 253 characters'
  for (const label of name.split('.')) {
    if (label.length === 0) return 'name has an empty label'
    if (label.length > 63) return 'name has a label longer than 63 characters'
    if (!/^[\x21-\x7e]+$/.test(label)) return 'name has characters outside printable ASCII'
  }
  return undefined
}

/** Uncompressed wire form (RFC 1035 §3.1) of a name that passed `nameProblem`. */
export function encodeName(name: string): Uint8Array {
  const labels = name === '' ? [] : name.split('.')
  const out = new Uint8Array(labels.reduce((n, l) => n + l.length + 1, 1))
  let offset = 0
  for (const label of labels) {
    out[offset++] = label.length
    for (let i = 0; i < label.length; i++) out[offset++] = label.charCodeAt(i)
  }
  return out
}

/**
 * R4.3: the name of an endpoint without a hostname, made from its address as CoreDNS does
 * (`kubernetes.go` endpointHostname): dots or colons become dashes, a trailing dash gets a 0.
 */
export function dashedIpName(ip: string): string {
  if (isCanonicalIPv4(ip)) return ip.replaceAll('.', '-')
  const bytes = parseIp(ip)
  const text = bytes ? formatIp(bytes) : ip
  const dashed = text.replace(/[.:]/g, '-')
  return dashed.endsWith('-') ? `${dashed}0` : dashed
}

/** Whether `name` is `zone` or below it (both normalised). */
export function isAtOrBelow(name: string, zone: string): boolean {
  if (zone === '') return true
  return (
    name === zone || (name.length > zone.length && name.endsWith(zone) && name[name.length - zone.length - 1] === '.')
  )
}
