/**
 * Views declared in the cluster (docs/views.md): each held snapshot's `views`, carried in the
 * packed index beside the cluster's revision, so that every isolate and process that loads an
 * index gets exactly the views of the snapshots it answers from, and applying or deleting a
 * view's object takes effect with the push that carries it, as a name does.
 *
 * Only SHA-256 digests of view ids are held. A presented id is hashed and looked up by its
 * digest, then the digests are compared in constant time. The lookup by digest leaks, through
 * timing, nothing an attacker can use: the digest of a guess they control is unpredictable, so
 * learning how much of it matched brings no guess closer to an id (the argument behind
 * hono's timingSafeEqual, which hashes both sides first). A scan over every view per query
 * would cost milliseconds at ten thousand VMs.
 */
import { bytesEqual, sha256, toHex } from './sha256.ts'
import type { PublishPolicy } from './publish-policy.ts'
import type { PublishedView } from './schema.ts'
import type { View } from './views.ts'

export interface ClusterViews {
  cluster: string
  views?: readonly PublishedView[]
}

interface Entry {
  digest: Uint8Array
  cluster: string
  published: PublishedView
  /** Made on the first query that presents the id: the View carries the id, for cache keys and metrics. */
  view?: View
}

function normalise(name: string): string {
  return name.toLowerCase().replace(/\.$/, '')
}

export function viewIdSha256(id: string): string {
  return toHex(sha256(id))
}

function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return out
}

export class PublishedViews {
  static readonly NONE = new PublishedViews([])
  readonly #byDigest = new Map<string, Entry>()
  /** Digests published by more than one cluster: served by none (see the constructor). */
  readonly ambiguous: ReadonlySet<string>

  constructor(
    clusters: readonly ClusterViews[],
    private readonly scope?: PublishPolicy
  ) {
    const ambiguous = new Set<string>()
    for (const { cluster, views } of clusters) {
      for (const published of views ?? []) {
        const hex = published.idSha256
        if (ambiguous.has(hex)) continue
        if (this.#byDigest.has(hex)) {
          // Two clusters naming one id: whichever won could be a leaked token's cluster taking
          // over another's VM, so neither does. The VM gets 404, not someone else's names.
          this.#byDigest.delete(hex)
          ambiguous.add(hex)
          continue
        }
        this.#byDigest.set(hex, { digest: fromHex(hex), cluster, published })
      }
    }
    this.ambiguous = ambiguous
  }

  get size(): number {
    return this.#byDigest.size
  }

  /** The view whose id is `id`, bound to the cluster that published it; undefined when none is. */
  find(id: string): View | undefined {
    if (this.#byDigest.size === 0 || id === '') return undefined
    const digest = sha256(id)
    const entry = this.#byDigest.get(toHex(digest))
    if (entry === undefined || !bytesEqual(entry.digest, digest)) return undefined
    entry.view ??= this.#toView(id, entry)
    return entry.view
  }

  #toView(id: string, { cluster, published }: Entry): View {
    return Object.freeze({
      id,
      namespace: published.namespace,
      // The publisher's cluster, whatever the entry says: publish-policy.ts refuses any other.
      cluster,
      search: (published.search ?? []).map(normalise),
      autoAllocatedVIPs: published.autoAllocatedVIPs ?? true,
      ...(this.scope === undefined ? {} : { scope: this.scope }),
    })
  }
}
