/** The JSON API (`/resolve`, and `/dns-query?name=`): Google's and Cloudflare's format. */
import type { Context } from 'hono'
import { cacheControl } from '../dns/cache.ts'
import { toDnsJson } from '../dns/json.ts'
import { nameProblem } from '../dns/names.ts'
import { buildQuery } from '../dns/wire.ts'
import type { View } from '../registry/views.ts'
import type { Resolver } from './resolver.ts'

const TYPES: Record<string, number> = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  HINFO: 13,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  NAPTR: 35,
  DS: 43,
  RRSIG: 46,
  NSEC: 47,
  DNSKEY: 48,
  SVCB: 64,
  HTTPS: 65,
  CAA: 257,
  IXFR: 251,
  AXFR: 252,
  ANY: 255,
}

/** A type by name (`AAAA`), RFC 3597 form (`TYPE28`) or number (`28`); undefined when invalid. */
export function parseType(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return 1
  const upper = text.trim().toUpperCase()
  const named = TYPES[upper]
  if (named !== undefined) return named
  const numeric = /^(?:TYPE)?(\d{1,5})$/.exec(upper)
  if (numeric === null) return undefined
  const value = Number(numeric[1])
  return value >= 1 && value <= 65535 ? value : undefined
}

export async function answerJson(c: Context, resolver: Resolver, view: View): Promise<Response> {
  const name = c.req.query('name')
  if (name === undefined) return c.json({ error: 'missing "name" query parameter' }, 400)
  const problem = nameProblem(name)
  if (problem !== undefined) return c.json({ error: problem }, 400)
  const type = parseType(c.req.query('type'))
  if (type === undefined) return c.json({ error: `unknown type "${c.req.query('type')}"` }, 400)
  const query = buildQuery(name, type)
  const cd = ['1', 'true'].includes(c.req.query('cd') ?? '')
  const answer = await resolver.answer(query, view)
  return c.json(toDnsJson(query.question, answer, cd), 200, {
    'Content-Type': 'application/dns-json',
    'Cache-Control': cacheControl(answer),
  })
}
