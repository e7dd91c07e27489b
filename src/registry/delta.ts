/**
 * The registry delta, v1 (docs/delta-pushes.md): an incremental push beside the whole
 * snapshot. A delta is only a cheaper way to reach a snapshot: applied to the held one, it
 * gives a document that is then validated exactly as a PUT of it would be, so a delta is
 * refused where that PUT would be, and a held snapshot is always one a PUT could have made.
 */
import { z } from 'zod'
import {
  API_VERSION,
  dnsLabel,
  service,
  serviceEntry,
  snapshot,
  type Service,
  type ServiceEntry,
  type Snapshot,
} from './schema.ts'
import { checkRules, formatPath, type ParsedSnapshot, type SnapshotProblem } from './validate.ts'

export const DELTA_KIND = 'RegistryDelta'

const elementName = z.object({ namespace: dnsLabel, name: dnsLabel })

/** Top-level fields a delta may replace: every one but identity, revision and the element lists. */
const replaceable = snapshot
  .omit({
    apiVersion: true,
    kind: true,
    cluster: true,
    revision: true,
    generatedAt: true,
    services: true,
    serviceEntries: true,
  })
  .partial()
  .strict()

// Elements are taken as pushed (no defaults here): the resulting document is validated as a
// whole afterwards, as a PUT of it would be.
const delta = z
  .object({
    apiVersion: z.literal(API_VERSION, { error: `must be "${API_VERSION}"` }),
    kind: z.literal(DELTA_KIND, { error: `must be "${DELTA_KIND}"` }),
    cluster: dnsLabel,
    baseRevision: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    revision: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    generatedAt: snapshot.shape.generatedAt,
    set: z
      .object({ services: z.array(z.unknown()).default([]), serviceEntries: z.array(z.unknown()).default([]) })
      .strict()
      .default({ services: [], serviceEntries: [] }),
    remove: z
      .object({ services: z.array(elementName).default([]), serviceEntries: z.array(elementName).default([]) })
      .strict()
      .default({ services: [], serviceEntries: [] }),
    replace: z.unknown().optional(),
    digest: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be "sha256:" and 64 lower-case hex digits'),
  })
  .strict()

/** A delta whose elements passed the element schemas: `set` holds their validated form. */
export type Delta = Omit<z.output<typeof delta>, 'set' | 'replace'> & {
  set: { services: Service[]; serviceEntries: ServiceEntry[] }
  replace: Record<string, unknown>
}
export type ParsedDelta = { ok: true; delta: Delta } | ({ ok: false } & SnapshotProblem)

type Lists = 'services' | 'serviceEntries'
const LISTS: readonly Lists[] = ['services', 'serviceEntries']
const ELEMENT = { services: service, serviceEntries: serviceEntry } as const

function problem(error: string, path: string): { ok: false } & SnapshotProblem {
  return { ok: false, error, path }
}

/** The first issue, its path under `prefix` (where in the delta the checked value sits). */
function firstIssue(error: z.ZodError, prefix: readonly PropertyKey[] = []): SnapshotProblem {
  const issue = error.issues[0]!
  const message = issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message
  return { error: message, path: formatPath([...prefix, ...issue.path]) }
}

/** Validates a delta's own shape, its elements one by one, and that no name appears twice. */
export function parseDelta(value: unknown, cluster: string): ParsedDelta {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return problem('the delta must be a JSON object', '')
  const result = delta.safeParse(value)
  if (!result.success) return { ok: false, ...firstIssue(result.error) }
  const parsed = result.data
  if (parsed.cluster !== cluster)
    return problem(`cluster "${parsed.cluster}" differs from the URL's "${cluster}"`, 'cluster')
  let replace: Record<string, unknown> = {}
  if (parsed.replace !== undefined) {
    // Checked as given (no defaults): a field not named keeps its value.
    const checked = replaceable.safeParse(parsed.replace)
    if (!checked.success) {
      return { ok: false, ...firstIssue(checked.error, ['replace']) }
    }
    replace = parsed.replace as Record<string, unknown>
  }
  const set: Delta['set'] = { services: [], serviceEntries: [] }
  for (const list of LISTS) {
    const seen = new Set<string>()
    const name = (n: { namespace: string; name: string }) => `${n.namespace}/${n.name}`
    for (const [i, element] of parsed.set[list].entries()) {
      const checked = ELEMENT[list].safeParse(element)
      if (!checked.success) return { ok: false, ...firstIssue(checked.error, ['set', list, i]) }
      const key = name(checked.data)
      if (seen.has(key)) return problem(`${key} appears twice in the delta`, formatPath(['set', list, i]))
      seen.add(key)
      ;(set[list] as unknown[]).push(checked.data)
    }
    for (const [i, element] of parsed.remove[list].entries()) {
      const key = name(element)
      if (seen.has(key)) return problem(`${key} appears twice in the delta`, formatPath(['remove', list, i]))
      seen.add(key)
    }
  }
  return { ok: true, delta: { ...parsed, set, replace } }
}

const envelope = snapshot.omit({ services: true, serviceEntries: true })

/**
 * The snapshot the delta makes of the held one, validated as a PUT of it would be: elements
 * replaced or added by name in the held order (new ones at the end), removed ones dropped,
 * named top-level fields replaced. Elements are validated already (held ones when they were
 * pushed, new ones by parseDelta) and the schema gives a validated element back unchanged, so
 * only the top-level fields and the cross-field rules are checked again. Unchanged elements are
 * the held objects themselves, so what was built from them (canonical texts, compiled
 * records) is reused.
 */
export function resultOf(held: Snapshot, change: Delta): ParsedSnapshot {
  const top: Record<string, unknown> = {
    ...held,
    ...change.replace,
    revision: change.revision,
    generatedAt: change.generatedAt,
  }
  delete top.services
  delete top.serviceEntries
  const checked = envelope.safeParse(top)
  if (!checked.success) return { ok: false, ...firstIssue(checked.error) }
  const result: Snapshot = {
    ...checked.data,
    services: merged(held.services, change.set.services, change.remove.services),
    serviceEntries: merged(held.serviceEntries, change.set.serviceEntries, change.remove.serviceEntries),
  }
  // Key order as the schema writes it, so the stored document reads as a PUT's would.
  const ordered = Object.fromEntries(
    Object.keys(snapshot.shape)
      .filter((k) => (result as Record<string, unknown>)[k] !== undefined)
      .map((k) => [k, (result as Record<string, unknown>)[k]])
  ) as Snapshot
  const rules = checkRules(ordered, held.cluster)
  return rules ? { ok: false, ...rules } : { ok: true, snapshot: ordered }
}

function merged<T extends { namespace: string; name: string }>(
  held: readonly T[],
  set: readonly T[],
  remove: ReadonlyArray<{ namespace: string; name: string }>
): T[] {
  const key = (n: { namespace: string; name: string }) => `${n.namespace}/${n.name}`
  const removed = new Set(remove.map(key))
  const replaced = new Map(set.map((element) => [key(element), element]))
  const out: T[] = []
  for (const element of held) {
    const name = key(element)
    if (removed.has(name)) continue
    const next = replaced.get(name)
    if (next !== undefined) replaced.delete(name)
    out.push(next ?? element)
  }
  for (const element of replaced.values()) out.push(element)
  return out
}
