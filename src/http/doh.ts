/**
 * RFC 8484 on `/dns-query`: GET with `?dns=` (base64url), POST with application/dns-message,
 * and the JSON API for `?name=`. HTTP errors only for what is not a DNS message at all.
 */
import type { Context } from 'hono'
import type { View } from '../registry/views.ts'
import { readBody } from './body.ts'
import { answerJson } from './resolve.ts'
import type { Resolver } from './resolver.ts'

export const DNS_MESSAGE = 'application/dns-message'
/** RFC 8484 §6: a DNS message over DoH is at most 65,535 octets. */
const MAX_MESSAGE = 65535

function textError(c: Context, status: 400 | 413 | 415, message: string): Response {
  return c.text(message + '\n', status, { 'Cache-Control': 'no-store' })
}

/** base64url without padding (RFC 8484 §4.1), tolerating padding and the standard alphabet. */
export function decodeBase64Url(text: string): Uint8Array | undefined {
  const stripped = text.replace(/=+$/, '')
  if (!/^[A-Za-z0-9_+/-]*$/.test(stripped) || stripped.length % 4 === 1) return undefined
  const standard = stripped.replace(/-/g, '+').replace(/_/g, '/')
  try {
    const binary = atob(standard + '='.repeat((4 - (standard.length % 4)) % 4))
    const bytes = new Uint8Array(binary.length)
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
    return bytes
  } catch {
    return undefined
  }
}

async function answerWire(c: Context, resolver: Resolver, bytes: Uint8Array, view: View): Promise<Response> {
  const reply = await resolver.wire(bytes, view)
  if (!reply.ok) return textError(c, 400, reply.reason)
  const headers = { 'Content-Type': DNS_MESSAGE, 'Cache-Control': reply.cacheControl }
  return c.body(reply.body as Uint8Array<ArrayBuffer>, 200, headers)
}

export async function dohGet(c: Context, resolver: Resolver, view: View): Promise<Response> {
  const dns = c.req.query('dns')
  if (dns === undefined) {
    if (c.req.query('name') !== undefined) return answerJson(c, resolver, view)
    return textError(c, 400, 'missing "dns" query parameter (RFC 8484 §4.1)')
  }
  const bytes = decodeBase64Url(dns)
  if (bytes === undefined) return textError(c, 400, '"dns" is not base64url')
  if (bytes.length > MAX_MESSAGE) return textError(c, 413, 'DNS message larger than 65535 octets')
  return answerWire(c, resolver, bytes, view)
}

export async function dohPost(c: Context, resolver: Resolver, view: View): Promise<Response> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
  if (type !== DNS_MESSAGE) return textError(c, 415, `POST body must be ${DNS_MESSAGE}`)
  const body = await readBody(c.req.raw, MAX_MESSAGE)
  if (!body.ok)
    return textError(c, body.status, body.status === 413 ? 'DNS message larger than 65535 octets' : body.error)
  if (body.bytes.length === 0) return textError(c, 400, 'empty body')
  return answerWire(c, resolver, body.bytes, view)
}
