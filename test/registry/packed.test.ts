/**
 * A blob that is not a whole index of this version is never served: every corruption is a
 * PackedIndexError at load, never a wrong answer or a crash at query time.
 */
import { describe, expect, it } from 'vitest'
import { buildIndex } from '../../src/registry/compile.ts'
import { PackedIndexError, VERSION, checksum } from '../../src/registry/packed-format.ts'
import { PackedIndex } from '../../src/registry/packed.ts'
import { parseSnapshot } from '../../src/registry/validate.ts'
import { seeded } from '../helpers/random.ts'
import { FIXTURES } from '../semantics/case.ts'

function blob(): Uint8Array {
  const snapshots = [FIXTURES.bookinfo, FIXTURES['service-entries'], FIXTURES.headless].map((input) => {
    const result = parseSnapshot(JSON.parse(JSON.stringify(input)))
    if (!result.ok) throw new Error(result.error)
    return result.snapshot
  })
  return buildIndex(snapshots, { defaultDomain: 'cluster.local' })
}

describe('loading a packed index', () => {
  it('loads what it wrote, from any alignment', () => {
    const bytes = blob()
    expect(new PackedIndex(bytes).node('reviews.bookinfo.svc.cluster.local')).toBeDefined()
    const shifted = new Uint8Array(bytes.length + 1)
    shifted.set(bytes, 1)
    expect(new PackedIndex(shifted.subarray(1)).node('reviews.bookinfo.svc.cluster.local')).toBeDefined()
  })

  it('refuses every truncation', () => {
    const bytes = blob()
    for (const length of [0, 3, 4, 100, bytes.length / 2, bytes.length - 4, bytes.length - 1]) {
      expect(() => new PackedIndex(bytes.slice(0, Math.floor(length))), `length ${length}`).toThrow(PackedIndexError)
    }
    const longer = new Uint8Array(bytes.length + 4)
    longer.set(bytes)
    expect(() => new PackedIndex(longer)).toThrow(/bytes/)
  })

  it('refuses a flipped bit anywhere', () => {
    const bytes = blob()
    const random = seeded(8484)
    for (let i = 0; i < 400; i++) {
      const copy = bytes.slice()
      const at = i < 150 ? i : Math.floor(random() * copy.length)
      copy[at] ^= 1 << Math.floor(random() * 8)
      expect(() => new PackedIndex(copy), `byte ${at}`).toThrow(PackedIndexError)
    }
  })

  it('refuses a future version even with a valid checksum', () => {
    const copy = blob().slice()
    const words = new Uint32Array(copy.buffer)
    words[1] = VERSION + 1
    words[3] = checksum(words, 4)
    expect(() => new PackedIndex(copy)).toThrow(`index version ${VERSION + 1}`)
  })

  it('refuses sections that disagree, even with a valid checksum', () => {
    const copy = blob().slice()
    const words = new Uint32Array(copy.buffer)
    words[4] += 1 // the node count
    words[3] = checksum(words, 4)
    expect(() => new PackedIndex(copy)).toThrow(PackedIndexError)
  })
})
