/**
 * A compile that carries records over from earlier compiles (compile-cache.ts) must build the
 * index a fresh compile builds, record for record and in the same order, serials included;
 * and it must actually carry them over.
 */
import { describe, expect, it } from 'vitest'
import { CompileCache } from '../../src/registry/compile-cache.ts'
import { compileData } from '../../src/registry/compile.ts'
import { packRegistry } from '../../src/registry/pack.ts'
import { PackedIndex } from '../../src/registry/packed.ts'
import { EndpointRecord, Origin } from '../../src/registry/records.ts'
import type { RegistryData } from '../../src/registry/registry-index.ts'
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
  // The serial a record is packed with comes from `serials`; the packed bytes compare it.
  if (value instanceof Origin) return { cluster: value.cluster, domain: value.domain, ttl: value.ttl }
  const out: Record<string, unknown> = { class: value.constructor.name }
  for (const [key, field] of Object.entries(value)) {
    // An endpoint names its service rather than repeating it.
    out[key] = value instanceof EndpointRecord && key === 'service' ? (field as { fqdn: string }).fqdn : dump(field)
  }
  return out
}

function indexOf(data: RegistryData): unknown {
  const { names, wildcards, ptrs, zones, reverseZones, clusters } = data
  return dump({ names, wildcards, ptrs, zones, reverseZones, clusters })
}

function fresh(snapshots: Snapshot[]): RegistryData {
  return compileData(
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
      const before = compileData(snapshots, { ...OPTIONS, cache })
      const reference = fresh(snapshots)
      expect(indexOf(before)).toEqual(indexOf(reference))
      expect(packRegistry(before)).toEqual(packRegistry(reference))
      compiled++
      // Compiled again with nothing changed, every record is the one built before.
      const again = compileData(snapshots, { ...OPTIONS, cache })
      for (const [name, node] of again.names) {
        if (node.constructor.name !== 'MixedNode') {
          expect(before.names.get(name)).toBe(node)
          carried++
        }
      }
    }
    expect(compiled).toBeGreaterThan(150)
    expect(carried).toBeGreaterThan(1000)
  })

  it('packs carried records with the serial of the push that carries them', () => {
    const cache = new CompileCache()
    const parse = (generatedAt: string, previous?: ValidatedSnapshot) => {
      const parsed = parseSnapshotReusing({ ...FIXTURES.bookinfo, generatedAt }, undefined, previous)
      if (!parsed.ok) throw new Error(parsed.error)
      return parsed
    }
    const first = parse('2026-11-24T19:00:00Z')
    const second = parse('2026-11-24T20:00:00Z', first.validated)
    const one = compileData([first.snapshot], { ...OPTIONS, cache })
    const two = compileData([second.snapshot], { ...OPTIONS, cache })
    const name = 'reviews.bookinfo.svc.cluster.local'
    expect(two.names.get(name)).toBe(one.names.get(name))
    const serialIn = (data: RegistryData) =>
      (new PackedIndex(packRegistry(data)).node(name) as unknown as { serial: number }).serial
    expect(serialIn(one)).toBe(Date.parse('2026-11-24T19:00:00Z') / 1000)
    expect(serialIn(two)).toBe(Date.parse('2026-11-24T20:00:00Z') / 1000)
    expect(packRegistry(two)).toEqual(packRegistry(fresh([second.snapshot])))
  })
})
