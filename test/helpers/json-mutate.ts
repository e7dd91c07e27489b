/** Seeded mutations of JSON documents: the push fuzzer's, shared with the revalidation tests. */
import { int, pick } from './random.ts'

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

const WEIRD: Json[] = [
  null,
  true,
  -1,
  0,
  1.5,
  2 ** 60,
  '',
  'x'.repeat(300),
  '10.0.0.300',
  '::g',
  '*.',
  '-bad-',
  [],
  {},
  [[]],
  { a: 1 },
  'Ünïcode',
  '\u0000',
]

/** Every path in a JSON value, as a list of keys. */
function paths(value: Json, prefix: Array<string | number> = [], out: Array<Array<string | number>> = []) {
  out.push(prefix)
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...prefix, i], out))
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) paths(v, [...prefix, k], out)
  return out
}

export function mutate(random: () => number, doc: Json): Json {
  const copy = structuredClone(doc) as { [key: string]: Json }
  const all = paths(copy).filter((p) => p.length > 0)
  const path = pick(random, all)
  let parent: Json = copy
  for (const key of path.slice(0, -1)) parent = (parent as Record<string, Json>)[key as string]!
  const last = path[path.length - 1]!
  const holder = parent as Record<string | number, Json>
  switch (int(random, 4)) {
    case 0:
      holder[last] = pick(random, WEIRD)
      break
    case 1:
      if (Array.isArray(parent)) parent.splice(last as number, 1)
      else delete holder[last]
      break
    case 2:
      holder[last] = Array.from({ length: 50 }, () => pick(random, WEIRD))
      break
    default:
      if (typeof holder[last] === 'string') holder[last] = (holder[last] as string).toUpperCase() + '.'
      else holder[last] = String(holder[last])
  }
  return copy
}
