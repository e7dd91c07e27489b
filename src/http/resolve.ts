/** The JSON API (`/resolve`, and `/dns-query?name=`): Google's and Cloudflare's format. */
import type { Context } from 'hono'
import { cacheControl } from '../dns/cache.ts'
import { toDnsJson } from '../dns/json.ts'
import { nameProblem } from '../dns/names.ts'
import { QType } from '../dns/types.ts'
import { buildQuery } from '../dns/wire.ts'
import type { View } from '../registry/views.ts'
import type { Resolver } from './resolver.ts'

/** A type by name (`AAAA`), RFC 3597 form (`TYPE28`) or number (`28`); undefined when invalid. */
export function parseType(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return 1
  const upper = text.trim().toUpperCase()
  if (upper !== 'OPT' && Object.hasOwn(QType, upper)) return QType[upper as keyof typeof QType]
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
