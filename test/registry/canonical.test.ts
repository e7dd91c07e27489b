/**
 * The canonical digest both sides of a push compute (docs/delta-pushes.md): RFC 8785 of the
 * snapshot without revision and generatedAt, elements sorted by (namespace, name).
 */
import canonicalize from 'canonicalize'
import { describe, expect, it } from 'vitest'
import { syntheticSnapshot } from '../../bench/synthetic.ts'
import { canonicalText, snapshotDigest } from '../../src/registry/canonical.ts'
import type { Snapshot } from '../../src/registry/schema.ts'
import { parseSnapshot } from '../../src/registry/validate.ts'
import { FIXTURES } from '../semantics/case.ts'

function parsed(input: unknown): Snapshot {
  const result = parseSnapshot(JSON.parse(JSON.stringify(input)))
  if (!result.ok) throw new Error(result.error)
  return result.snapshot
}

/** The definition, spelt out with the library alone. */
function reference(snapshot: Snapshot): string {
  const { revision: _r, generatedAt: _g, ...rest } = snapshot
  const order = (a: { namespace: string; name: string }, b: { namespace: string; name: string }) =>
    a.namespace === b.namespace ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.namespace < b.namespace ? -1 : 1
  return canonicalize({
    ...rest,
    services: [...rest.services].sort(order),
    serviceEntries: [...rest.serviceEntries].sort(order),
  })!
}

describe('the canonical form of a snapshot', () => {
  it('is RFC 8785 of the definition, for every fixture and a synthetic registry', () => {
    const snapshots = [...Object.values(FIXTURES).map(parsed), parsed(syntheticSnapshot({ services: 2000, seed: 3 }))]
    for (const snapshot of snapshots) expect(canonicalText(snapshot)).toBe(reference(snapshot))
  })

  it('does not depend on element order, revision, generatedAt or key order', async () => {
    const base = parsed(syntheticSnapshot({ services: 300, seed: 4 }))
    const shuffled: Snapshot = {
      ...base,
      revision: base.revision + 9,
      generatedAt: '2030-01-01T00:00:00Z',
      services: [...base.services].reverse(),
      serviceEntries: [...base.serviceEntries].reverse(),
    }
    const reordered = Object.fromEntries(Object.entries(shuffled).reverse()) as unknown as Snapshot
    expect(await snapshotDigest(shuffled)).toBe(await snapshotDigest(base))
    expect(await snapshotDigest(parsed(reordered))).toBe(await snapshotDigest(base))
  })

  it('changes with any element or top-level field', async () => {
    const base = parsed(FIXTURES.bookinfo)
    const digest = await snapshotDigest(base)
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    const changedService = { ...base, services: base.services.map((s, i) => (i === 0 ? { ...s, name: 'x' } : s)) }
    expect(await snapshotDigest(changedService)).not.toBe(digest)
    expect(await snapshotDigest({ ...base, ttl: base.ttl + 1 })).not.toBe(digest)
  })
})
