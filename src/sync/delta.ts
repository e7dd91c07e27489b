/**
 * Incremental pushes (the delta contract: PATCH /v1/snapshots/{cluster}, kind RegistryDelta):
 * what differs between the snapshot a target last acknowledged and the one the job holds now,
 * and the document that says so. The resolver applies it to the snapshot it holds, checks the
 * result against `digest`, and refuses it (409, 412) when the two sides disagree; the job then
 * sends the whole snapshot (target.ts).
 */
import { API_VERSION } from '../registry/schema.ts'
import { toBuffer, type Offer, type Piece } from './assemble.ts'
import { byKey } from './build.ts'
import { stampTime } from './revision.ts'

export const DELTA_KIND = 'RegistryDelta'

export interface Named {
  namespace: string
  name: string
}

export interface ListChange {
  /** Elements added or changed, whole. */
  set: Piece[]
  remove: Named[]
}

export interface DeltaPlan {
  services: ListChange
  serviceEntries: ListChange
  /** Top-level fields whose value changed, with their new value. */
  replace: Record<string, unknown>
}

// Fields `replace` may not name; revision and generatedAt are not in an offer's envelope.
const FIXED = new Set(['apiVersion', 'kind', 'cluster'])

/**
 * The delta from `base` to `next`, or undefined when no delta can say it: a top-level field
 * that `next` drops (`replace` can set a field but not remove one), or another cluster.
 */
export function planDelta(base: Offer, next: Offer): DeltaPlan | undefined {
  if (base.envelope.cluster !== next.envelope.cluster) return undefined
  const before = base.envelope as Readonly<Record<string, unknown>>
  const after = next.envelope as Readonly<Record<string, unknown>>
  for (const key of Object.keys(before)) {
    if (!FIXED.has(key) && before[key] !== undefined && after[key] === undefined) return undefined
  }
  const replace: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(after)) {
    if (FIXED.has(key) || value === undefined) continue
    // Envelope fields are small (the namespace list is the largest), and built in a fixed order.
    if (JSON.stringify(value) !== JSON.stringify(before[key])) replace[key] = value
  }
  return {
    services: diff(base.services, next.services),
    serviceEntries: diff(base.serviceEntries, next.serviceEntries),
    replace,
  }
}

/** Both lists are sorted by (namespace, name) (assemble.ts), so one merge pass finds every change. */
function diff(before: readonly Piece[], after: readonly Piece[]): ListChange {
  const set: Piece[] = []
  const remove: Named[] = []
  let i = 0
  let j = 0
  while (i < before.length || j < after.length) {
    const a = before[i]
    const b = after[j]
    const order = a === undefined ? 1 : b === undefined ? -1 : byKey(a, b)
    if (order < 0) {
      remove.push({ namespace: a!.namespace, name: a!.name })
      i++
    } else if (order > 0) {
      set.push(b!)
      j++
    } else {
      // An unchanged object keeps its piece; a new piece with the same JSON (a label changed) is no change.
      if (a !== b && a!.json !== b!.json) set.push(b!)
      i++
      j++
    }
  }
  return { set, remove }
}

export interface DeltaStamp {
  cluster: string
  baseRevision: number
  revision: number
  generatedAt: Date
  /** `sha256:<hex>` of the resulting snapshot (Offer.snapshotDigest). */
  digest: string
}

/** The PATCH body, as UTF-8 JSON; set elements are the builder's JSON texts, never re-serialised. */
export function renderDelta(plan: DeltaPlan, stamp: DeltaStamp): Buffer {
  const head = JSON.stringify({
    apiVersion: API_VERSION,
    kind: DELTA_KIND,
    cluster: stamp.cluster,
    baseRevision: stamp.baseRevision,
    revision: stamp.revision,
    generatedAt: stampTime(stamp.generatedAt),
  }).slice(0, -1)
  const remove = { services: plan.services.remove, serviceEntries: plan.serviceEntries.remove }
  return toBuffer([
    head,
    ',"set":{"services":[',
    plan.services.set.map((p) => p.json).join(','),
    '],"serviceEntries":[',
    plan.serviceEntries.set.map((p) => p.json).join(','),
    ']},"remove":',
    JSON.stringify(remove),
    ',"replace":',
    JSON.stringify(plan.replace),
    ',"digest":',
    JSON.stringify(stamp.digest),
    '}',
  ])
}
