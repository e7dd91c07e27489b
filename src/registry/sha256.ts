/**
 * SHA-256, synchronous, from @noble/hashes (audited, no dependencies). Web Crypto's digest is
 * asynchronous only, and the view a DoH GET names is decided on the synchronous fast path
 * (http/wire-fast-path.ts); Workers code does not import node:crypto. Used for view ids, a few
 * dozen bytes each: a few microseconds. Tested against node:crypto
 * (test/http/published-views.test.ts).
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'

const encoder = new TextEncoder()

export function sha256(input: string | Uint8Array): Uint8Array {
  return nobleSha256(typeof input === 'string' ? encoder.encode(input) : input)
}

export function toHex(bytes: Uint8Array): string {
  return bytesToHex(bytes)
}

/** Whether two byte strings are equal, in time that depends on their lengths only. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length
  const length = Math.min(a.length, b.length)
  for (let i = 0; i < length; i++) diff |= a[i]! ^ b[i]!
  return diff === 0
}
