/**
 * Revalidation against the last push (src/registry/revalidate.ts) must be `parseSnapshot`
 * exactly: the same snapshot, key order included, for every valid document, and the same error
 * and path for every invalid one. And it must actually reuse: unchanged elements come back as
 * the previous push's objects.
 */
import { describe, expect, it } from 'vitest'
import { snapshotDocument } from '../../src/registry/document.ts'
import { parseSnapshotReusing, sameJson, type ValidatedSnapshot } from '../../src/registry/revalidate.ts'
import { parseSnapshot } from '../../src/registry/validate.ts'
import { bookinfoSnapshot, type SnapshotDoc } from '../helpers/fixtures.ts'
import { mutate, type Json } from '../helpers/json-mutate.ts'
import { int, seeded } from '../helpers/random.ts'

const CLUSTER = 'east-1'

function validated(doc: unknown): ValidatedSnapshot {
  const first = parseSnapshotReusing(structuredClone(doc), CLUSTER)
  if (!first.ok) throw new Error(`${first.path}: ${first.error}`)
  return first.validated
}

/** The same answer as parseSnapshot, compared as JSON text so key order counts. */
function expectLikeFullParse(doc: unknown, previous: ValidatedSnapshot) {
  const full = parseSnapshot(structuredClone(doc), CLUSTER)
  const reused = parseSnapshotReusing(structuredClone(doc), CLUSTER, previous)
  expect(reused.ok).toBe(full.ok)
  if (full.ok && reused.ok) expect(JSON.stringify(reused.snapshot)).toBe(JSON.stringify(full.snapshot))
  if (!full.ok) expect(reused).toEqual(full)
  return reused
}

describe('revalidation against the last push', () => {
  it('takes unchanged elements as the objects of the previous push, and validates the changed ones', () => {
    const base = bookinfoSnapshot()
    const previous = validated(base)
    const services = structuredClone(base.services) as Array<Record<string, unknown>>
    services[1] = { ...services[1], clusterIPs: ['10.96.99.1'] }
    services.splice(0, 0, { name: 'added', namespace: 'bookinfo', clusterIPs: ['10.96.99.2'] })
    const next = expectLikeFullParse({ ...base, revision: 2, services }, previous)
    if (!next.ok) throw new Error('refused')
    // Index 0 is new, 2 changed (it was 1); the others are the previous push's own objects.
    expect(next.snapshot.services[0]).not.toBe(previous.snapshot.services[0])
    expect(next.snapshot.services[2]).not.toBe(previous.snapshot.services[1])
    expect(next.snapshot.services[2]!.clusterIPs).toEqual(['10.96.99.1'])
    for (let i = 3; i < next.snapshot.services.length; i++) {
      expect(next.snapshot.services[i]).toBe(previous.snapshot.services[i - 1])
    }
    expect(next.snapshot.serviceEntries[0]).toBe(previous.snapshot.serviceEntries[0])
  })

  it('validates again an element that differs only by a field the schema drops or defaults', () => {
    const base = bookinfoSnapshot()
    const previous = validated(base)
    const services = structuredClone(base.services) as Array<Record<string, unknown>>
    services[0] = { ...services[0], unknown: true }
    const next = expectLikeFullParse({ ...base, revision: 2, services }, previous)
    if (!next.ok) throw new Error('refused')
    expect(next.snapshot.services[0]).not.toHaveProperty('unknown')
    // The parsed element (exportTo filled in) is not the pushed JSON: it is never mistaken for it.
    const asParsed = { ...base, revision: 3, services: previous.snapshot.services }
    expectLikeFullParse(asParsed, previous)
  })

  it('is parseSnapshot exactly on 2,000 seeded mutations, chaining each accepted push', () => {
    const random = seeded(0x5e1f)
    let previous = validated(bookinfoSnapshot())
    let accepted = 0
    for (let i = 0; i < 2000; i++) {
      // Mostly mutate the last accepted document, sometimes the base again.
      const from = (int(random, 4) === 0 ? bookinfoSnapshot() : previous.snapshot) as Json
      const doc = mutate(random, { ...(from as SnapshotDoc), revision: i + 2 } as Json)
      const reused = expectLikeFullParse(doc, previous)
      if (reused.ok) {
        // The stored text joins remembered element texts: still exactly JSON.stringify.
        expect(snapshotDocument(reused.snapshot)).toBe(JSON.stringify(reused.snapshot))
        previous = reused.validated
        accepted++
      }
    }
    // Both kinds were exercised.
    expect(accepted).toBeGreaterThan(200)
    expect(accepted).toBeLessThan(1800)
  })

  it('leaves nesting deeper than a snapshot element to the schema', () => {
    const nested = (depth: number) => {
      let value: unknown = 1
      for (let i = 0; i < depth; i++) value = [value]
      return value
    }
    expect(sameJson(nested(100_000), nested(100_000))).toBe(false)
    expect(sameJson(nested(5), nested(5))).toBe(true)
    expect(sameJson({ a: [1, { b: 'x' }] }, { a: [1, { b: 'x' }] })).toBe(true)
    expect(sameJson({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(true)
    expect(sameJson({ a: 1 }, { a: 1, b: undefined })).toBe(false)
    expect(sameJson([1], { 0: 1 })).toBe(false)
  })
})
