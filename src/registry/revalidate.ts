/**
 * Validation of a push against the previous snapshot of the same cluster. The sync job pushes
 * the whole registry after every change, so nearly every element of a push equals, as JSON,
 * an element this process has already validated. Such an element is taken as it was (the same
 * object, which the compile's per-element caches also recognise); only the elements that differ
 * go through the schema. At 10k Services that turns 40–60 ms of zod into 5–10 ms of comparisons.
 *
 * The result is exactly `parseSnapshot`'s: an element is compared with the JSON value the
 * previous element was parsed from, not with its parsed form (which has defaults filled in and
 * unknown keys dropped), and the schema gives equal inputs equal outputs. Anything that fails
 * here is handed to `parseSnapshot` whole, so a rejection names the same first bad field.
 */
import { z } from 'zod'
import {
  service,
  serviceEntry,
  snapshot as snapshotSchema,
  type Service,
  type ServiceEntry,
  type Snapshot,
} from './schema.ts'
import { checkRules, parseSnapshot, type ParsedSnapshot } from './validate.ts'

const envelope = snapshotSchema.omit({ services: true, serviceEntries: true })
const KEYS = Object.keys(snapshotSchema.shape) as Array<keyof Snapshot>

// Snapshot elements nest four levels deep; anything deeper is left to the schema to refuse.
const MAX_DEPTH = 16

/** Equality of JSON values (objects compared by their own keys, in any order). */
export function sameJson(a: unknown, b: unknown, depth = 0): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || depth > MAX_DEPTH) return false
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i], depth + 1)) return false
    return true
  }
  if (Array.isArray(b)) return false
  const x = a as Record<string, unknown>
  const y = b as Record<string, unknown>
  let count = 0
  for (const key in x) {
    if (!Object.hasOwn(x, key)) continue
    if (!Object.hasOwn(y, key) || !sameJson(x[key], y[key], depth + 1)) return false
    count++
  }
  for (const key in y) if (Object.hasOwn(y, key)) count--
  return count === 0
}

type Element = { namespace: string; name: string }

function keyOf(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined
  const { namespace, name } = raw as Partial<Element>
  return typeof namespace === 'string' && typeof name === 'string' ? `${namespace}/${name}` : undefined
}

function sameKey(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return false
  const x = a as Partial<Element>
  const y = b as Partial<Element>
  return x.name === y.name && x.namespace === y.namespace
}

/** One list of a validated push: element i was parsed from raws[i]. */
class ValidatedList<E> {
  #index: Map<string, number> | undefined

  constructor(
    readonly raws: readonly unknown[],
    readonly parsed: readonly E[]
  ) {}

  /** Positions by namespace/name, made the first time an element is not where it was. */
  find(raw: unknown): number | undefined {
    if (this.#index === undefined) {
      this.#index = new Map()
      for (let i = 0; i < this.raws.length; i++) {
        const key = keyOf(this.raws[i])
        if (key !== undefined) this.#index.set(key, i)
      }
    }
    const key = keyOf(raw)
    return key === undefined ? undefined : this.#index.get(key)
  }
}

/**
 * A snapshot that passed validation in this process, with the JSON it came from: the evidence
 * the next push of the cluster is compared with. It holds the pushed value alive as well as the
 * parsed one (about twice the memory of the parsed snapshot), which is why only the Node server,
 * not a Workers isolate, keeps one.
 */
export class ValidatedSnapshot {
  readonly services: ValidatedList<Service>
  readonly entries: ValidatedList<ServiceEntry>

  constructor(
    readonly snapshot: Snapshot,
    raw: Record<string, unknown>,
    services?: ValidatedList<Service>,
    entries?: ValidatedList<ServiceEntry>
  ) {
    const raws = (list: unknown) => (Array.isArray(list) ? (list as unknown[]) : [])
    this.services = services ?? new ValidatedList(raws(raw.services), snapshot.services)
    this.entries = entries ?? new ValidatedList(raws(raw.serviceEntries), snapshot.serviceEntries)
  }
}

/**
 * The list's parsed elements, or undefined at the first element the schema refuses. Pushes
 * list elements in the same order each time, so the previous element at the same position,
 * shifted by what was inserted or removed before it, is tried before the index.
 */
function reuseList<E>(list: unknown, previous: ValidatedList<E>, schema: z.ZodType<E>): ValidatedList<E> | undefined {
  if (list === undefined) return new ValidatedList([], [])
  if (!Array.isArray(list)) return undefined
  const raws: unknown[] = new Array<unknown>(list.length)
  const parsed: E[] = new Array<E>(list.length)
  let shift = 0
  for (let i = 0; i < list.length; i++) {
    const raw: unknown = list[i]
    let at: number | undefined = i + shift
    if (!sameKey(raw, previous.raws[at])) {
      at = previous.find(raw)
      if (at !== undefined) shift = at - i
    }
    if (at !== undefined && sameJson(raw, previous.raws[at])) {
      // The previous push's objects: this push's copies become garbage at once.
      raws[i] = previous.raws[at]
      parsed[i] = previous.parsed[at]!
      continue
    }
    const checked = schema.safeParse(raw)
    if (!checked.success) return undefined
    raws[i] = raw
    parsed[i] = checked.data
  }
  return new ValidatedList(raws, parsed)
}

export type Revalidated =
  { ok: true; snapshot: Snapshot; validated: ValidatedSnapshot } | Exclude<ParsedSnapshot, { ok: true }>

/**
 * `parseSnapshot(value, cluster)`, taking the elements equal to ones `previous` was made from
 * without validating them again; with the evidence for the next push.
 */
export function parseSnapshotReusing(
  value: unknown,
  cluster: string | undefined,
  previous?: ValidatedSnapshot
): Revalidated {
  const full = (): Revalidated => {
    const checked = parseSnapshot(value, cluster)
    if (!checked.ok) return checked
    return { ...checked, validated: new ValidatedSnapshot(checked.snapshot, value as Record<string, unknown>) }
  }
  if (previous === undefined || typeof value !== 'object' || value === null || Array.isArray(value)) return full()
  const { services, serviceEntries, ...rest } = value as Record<string, unknown>
  const head = envelope.safeParse(rest)
  if (!head.success) return full()
  const servicesOut = reuseList<Service>(services, previous.services, service)
  if (servicesOut === undefined) return full()
  const entriesOut = reuseList<ServiceEntry>(serviceEntries, previous.entries, serviceEntry)
  if (entriesOut === undefined) return full()
  // In the schema's key order, as a full parse would make it.
  const lists = { services: servicesOut.parsed as Service[], serviceEntries: entriesOut.parsed as ServiceEntry[] }
  const out: Record<string, unknown> = {}
  for (const key of KEYS) {
    const field = key === 'services' || key === 'serviceEntries' ? lists[key] : head.data[key]
    if (field !== undefined) out[key] = field
  }
  const snapshot = out as Snapshot
  if (checkRules(snapshot, cluster) !== undefined) return full()
  const validated = new ValidatedSnapshot(snapshot, value as Record<string, unknown>, servicesOut, entriesOut)
  return { ok: true, snapshot, validated }
}
