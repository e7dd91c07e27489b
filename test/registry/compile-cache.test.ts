/**
 * A compile that carries records over from earlier compiles (compile-cache.ts) must build the
 * index a fresh compile builds, record for record and in the same order, serials included;
 * and it must actually carry them over.
 */
import { describe, expect, it } from 'vitest'
import { CompileCache } from '../../src/registry/compile-cache.ts'
import { compileRegistry } from '../../src/registry/compile.ts'
import { EndpointRecord, Origin } from '../../src/registry/records.ts'
import type { Registry } from '../../src/registry/registry.ts'
import { parseSnapshotReusing, type ValidatedSnapshot } from '../../src/registry/revalidate.ts'
import type { Snapshot } from '../../src/registry/schema.ts'
import { parseSnapshot } from '../../src/registry/validate.ts'
import { mutate, type Json } from '../helpers/json-mutate.ts'
import { int, pick, seeded } from '../helpers/random.ts'
import { FIXTURES } from '../semantics/case.ts'

const OPTIONS = { defaultDomain: 'cluster.local' }

/** Everything an answer can read from the index, in index order; shared objects written out. */
function dump(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value
  if (value instanceof Map) return [...value].map(([k, v]) => [k, dump(v)])
  if (value instanceof Set) return [...value]
  if (Array.isArray(value)) return value.map(dump)
  if (value instanceof Origin) return { ...value }
  const out: Record<string, unknown> = { class: value.constructor.name }
  for (const [key, field] of Object.entries(value)) {
    // An endpoint names its service rather than repeating it.
    out[key] = value instanceof EndpointRecord && key === 'service' ? (field as { fqdn: string }).fqdn : dump(field)
  }
  return out
}

function indexOf(registry: Registry): unknown {
  const { names, wildcards, ptrs, zones, reverseZones, clusters } = registry.data
  return dump({ names, wildcards, ptrs, zones, reverseZones, clusters })
}

function fresh(snapshots: Snapshot[]): Registry {
  return compileRegistry(
    snapshots.map((s) => {
      const parsed = parseSnapshot(JSON.parse(JSON.stringify(s)))
      if (!parsed.ok) throw new Error(parsed.error)
      return parsed.snapshot
    }),
    OPTIONS
  )
}

describe('compile with records carried over', () => {
  it('builds what a fresh compile builds over 800 seeded pushes across fixtures and two clusters', () => {
    const random = seeded(0xcac4e)
    const cache = new CompileCache()
    const docs = Object.values(FIXTURES) as unknown as Json[]
    const held = new Map<string, { validated: ValidatedSnapshot; snapshot: Snapshot }>()
    let carried = 0
    let compiled = 0
    for (let i = 0; i < 800; i++) {
      const base = held.size > 0 && int(random, 3) > 0 ? pick(random, [...held.values()]).snapshot : pick(random, docs)
      const doc = mutate(random, { ...(base as { [key: string]: Json }), revision: i + 2 } as Json) as {
        cluster?: unknown
      }
      const cluster = typeof doc.cluster === 'string' ? doc.cluster : ''
      const parsed = parseSnapshotReusing(doc, undefined, held.get(cluster)?.validated)
      if (!parsed.ok) continue
      held.set(parsed.snapshot.cluster, { validated: parsed.validated, snapshot: parsed.snapshot })
      // At most two clusters at once, as a push replaces one of them.
      if (held.size > 2) held.delete([...held.keys()].find((c) => c !== parsed.snapshot.cluster)!)
      const snapshots = [...held.values()].map((h) => h.snapshot)
      const before = compileRegistry(snapshots, { ...OPTIONS, cache }).activate()
      expect(indexOf(before)).toEqual(indexOf(fresh(snapshots)))
      compiled++
      // Compiled again with nothing changed, every record is the one built before.
      const again = compileRegistry(snapshots, { ...OPTIONS, cache }).activate()
      for (const [name, node] of again.data.names) {
        if (node.constructor.name !== 'MixedNode') {
          expect(before.data.names.get(name)).toBe(node)
          carried++
        }
      }
    }
    expect(compiled).toBeGreaterThan(150)
    expect(carried).toBeGreaterThan(1000)
  })

  it('gives carried records the serial of the registry made current last', () => {
    const cache = new CompileCache()
    const parse = (generatedAt: string, previous?: ValidatedSnapshot) => {
      const parsed = parseSnapshotReusing({ ...FIXTURES.bookinfo, generatedAt }, undefined, previous)
      if (!parsed.ok) throw new Error(parsed.error)
      return parsed
    }
    const first = parse('2026-11-24T19:00:00Z')
    const second = parse('2026-11-24T20:00:00Z', first.validated)
    const one = compileRegistry([first.snapshot], { ...OPTIONS, cache }).activate()
    const two = compileRegistry([second.snapshot], { ...OPTIONS, cache })
    const name = 'reviews.bookinfo.svc.cluster.local'
    const record = two.data.names.get(name) as unknown as { serial: number }
    expect(record).toBe(one.data.names.get(name))
    expect(record.serial).toBe(Date.parse('2026-11-24T19:00:00Z') / 1000)
    two.activate()
    expect(record.serial).toBe(Date.parse('2026-11-24T20:00:00Z') / 1000)
    expect(indexOf(two)).toEqual(indexOf(fresh([second.snapshot])))
  })
})
