/**
 * The canonical digest of a snapshot (docs/delta-pushes.md), the one function both sides of a
 * push compute: the sync job from the snapshot it would push, the resolver from the snapshot a
 * push or a delta leaves it holding. Both digest the validated form (defaults applied, the
 * shared schema's output), so a field one side leaves out and the other spells as its default
 * cannot make them disagree.
 *
 * Canonical form: the snapshot without `revision` and `generatedAt`, `services` and
 * `serviceEntries` each sorted by (namespace, name), serialised by RFC 8785 (JSON
 * Canonicalization Scheme: keys sorted by UTF-16 code units, numbers as ECMAScript prints
 * them, no whitespace), by the `canonicalize` package. It refuses a string with a lone
 * surrogate (the schema lets a port name hold one): such a push gets a 400, not a digest.
 */
import canonicalize from 'canonicalize'
import { sha256Hex } from './index-builder.ts'
import type { Snapshot } from './schema.ts'

interface Named {
  namespace: string
  name: string
}

/** Element order: by namespace, then name, comparing UTF-16 code units as JCS orders keys. */
export function byNamespaceAndName(a: Named, b: Named): number {
  if (a.namespace !== b.namespace) return a.namespace < b.namespace ? -1 : 1
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0
}

/**
 * Canonical text of each element, by the element object: a snapshot that carries most of its
 * elements over from the last one (a delta, or a push revalidated against the last) is
 * canonicalised only where it changed. Elements are immutable once validated, so caching is exact.
 */
/**
 * Each element's canonical form as UTF-8, by the element object. Kept as bytes: a digest then
 * copies them into one buffer, where joining the texts (ropes, as canonicalize builds them)
 * cost 20 ms at 10k Services and 0.6 s at 100k on every digest.
 */
const elementBytes = new WeakMap<object, Uint8Array>()
const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** A snapshot with no canonical form: RFC 8785 refuses strings with a lone surrogate. */
export class NotCanonical extends Error {}

/** RFC 8785 of a value, by the reference implementation. */
export function canonical(value: unknown): string {
  let text: string | undefined
  try {
    text = canonicalize(value)
  } catch (error) {
    throw new NotCanonical(error instanceof Error ? error.message : String(error))
  }
  if (text === undefined) throw new NotCanonical('no canonical form for an undefined value')
  return text
}

export function elementCanonicalBytes(element: object): Uint8Array {
  let bytes = elementBytes.get(element)
  if (bytes === undefined) elementBytes.set(element, (bytes = encoder.encode(canonical(element))))
  return bytes
}

/** A growable byte buffer. */
class Bytes {
  #bytes = new Uint8Array(1 << 16)
  length = 0

  push(chunk: Uint8Array): void {
    if (this.length + chunk.length > this.#bytes.length) {
      const grown = new Uint8Array(Math.max(this.#bytes.length * 2, this.length + chunk.length))
      grown.set(this.#bytes.subarray(0, this.length))
      this.#bytes = grown
    }
    this.#bytes.set(chunk, this.length)
    this.length += chunk.length
  }

  text(text: string): void {
    this.push(encoder.encode(text))
  }

  view(): Uint8Array {
    return this.#bytes.subarray(0, this.length)
  }
}

const COMMA = encoder.encode(',')

/**
 * RFC 8785 of the snapshot without `revision` and `generatedAt`, elements sorted, as UTF-8.
 * Assembled from per-element forms: JCS writes an object as its members sorted by key (UTF-16
 * code units, which is what Array.prototype.sort compares), keys as JSON.stringify writes
 * strings, and an array as its elements' forms joined by commas, so this equals
 * canonicalizing the whole (test/registry/canonical.test.ts holds it to that).
 */
export function canonicalBytes(snapshot: Snapshot): Uint8Array {
  const out = new Bytes()
  const record = snapshot as unknown as Record<string, unknown>
  let first = true
  out.text('{')
  for (const key of Object.keys(record).sort()) {
    const value = record[key]
    if (value === undefined || key === 'revision' || key === 'generatedAt') continue
    out.text(`${first ? '' : ','}${JSON.stringify(key)}:`)
    first = false
    if (key === 'services' || key === 'serviceEntries') {
      const sorted = [...(value as Named[])].sort(byNamespaceAndName)
      out.text('[')
      for (let i = 0; i < sorted.length; i++) {
        if (i > 0) out.push(COMMA)
        out.push(elementCanonicalBytes(sorted[i]!))
      }
      out.text(']')
    } else out.text(canonical(value))
  }
  out.text('}')
  return out.view()
}

export function canonicalText(snapshot: Snapshot): string {
  return decoder.decode(canonicalBytes(snapshot))
}

/** `sha256:<64 hex>` of the canonical form. */
export async function snapshotDigest(snapshot: Snapshot): Promise<string> {
  return `sha256:${await sha256Hex(canonicalBytes(snapshot))}`
}
