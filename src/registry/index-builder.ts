/**
 * The push side of the packed index: builds the blob every reader loads, once per change of
 * the held snapshots (docs/packed-index.md). What makes a build cheap lives here and nowhere
 * on the read path: snapshots this process has just validated are taken as parsed, and where
 * memory allows (`keepParsed`, the Node server) the parsed snapshots, each cluster's last
 * validated push and the records compiled from them are kept from one build to the next.
 */
import { CompileCache } from './compile-cache.ts'
import { compileData } from './compile.ts'
import { packRegistry } from './pack.ts'
import type { PackedIndex } from './packed.ts'
import type { ValidatedSnapshot } from './revalidate.ts'
import type { Snapshot } from './schema.ts'

/** A held snapshot as a store hands it to the builder: its document is read only if needed. */
export interface BuildInput {
  cluster: string
  revision: number
  digest: string
  document: () => string | Promise<string>
}

/** The index of a set of held snapshots, addressed by the SHA-256 of its bytes. */
export interface BuiltIndex {
  /** stampOf() of the snapshots it was built from. */
  stamp: string
  /** SHA-256 of `bytes`, hex. */
  digest: string
  bytes: Uint8Array
  /** The index already loaded from `bytes`, where the store had to load it to check it. */
  loaded?: PackedIndex
}

export interface IndexBuilderOptions {
  defaultDomain: string
  keepParsed?: boolean
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>))
  let hex = ''
  for (const b of digest) hex += b.toString(16).padStart(2, '0')
  return hex
}

export class IndexBuilder {
  /** Pushed through this process since the last build, parsed, by digest. */
  #fresh = new Map<string, Snapshot>()
  /** keepParsed: the last build's inputs, by cluster. */
  #built = new Map<string, { digest: string; snapshot: Snapshot }>()
  /** keepParsed: each cluster's last push validated here, the evidence for the next one. */
  readonly #validated = new Map<string, ValidatedSnapshot>()
  readonly #cache: CompileCache | undefined

  constructor(private readonly options: IndexBuilderOptions) {
    this.#cache = options.keepParsed ? new CompileCache() : undefined
  }

  /** A snapshot this process has just validated and stored, by the digest it was stored with. */
  remember(digest: string, snapshot: Snapshot, validated?: ValidatedSnapshot): void {
    this.#fresh.set(digest, snapshot)
    if (this.options.keepParsed && validated) this.#validated.set(snapshot.cluster, validated)
  }

  /** keepParsed: the cluster's last push validated here, to revalidate the next one against. */
  validatedOf(cluster: string): ValidatedSnapshot | undefined {
    return this.#validated.get(cluster)
  }

  /** A held snapshot this builder has parsed, by the digest it is stored with: a delta's base. */
  parsed(cluster: string, digest: string): Snapshot | undefined {
    const fresh = this.#fresh.get(digest)
    if (fresh !== undefined) return fresh
    const built = this.#built.get(cluster)
    return built?.digest === digest ? built.snapshot : undefined
  }

  async build(stamp: string, held: readonly BuildInput[]): Promise<BuiltIndex> {
    const inputs: Array<{ cluster: string; digest: string; snapshot: Snapshot }> = []
    for (const h of held) {
      const kept = this.#built.get(h.cluster)
      const snapshot =
        this.#fresh.get(h.digest) ??
        (kept?.digest === h.digest ? kept.snapshot : (JSON.parse(await h.document()) as Snapshot))
      inputs.push({ cluster: h.cluster, digest: h.digest, snapshot })
    }
    const data = compileData(
      inputs.map((i) => i.snapshot),
      { defaultDomain: this.options.defaultDomain, cache: this.#cache }
    )
    const bytes = packRegistry(data, {
      stamp,
      revisions: inputs.map(({ cluster, snapshot }, i) => {
        const views = snapshot.views ?? []
        return { cluster, revision: held[i]!.revision, ...(views.length > 0 ? { views } : {}) }
      }),
    })
    this.#fresh.clear()
    if (this.options.keepParsed) {
      this.#built = new Map(inputs.map((i) => [i.cluster, { digest: i.digest, snapshot: i.snapshot }]))
      for (const cluster of this.#validated.keys()) if (!this.#built.has(cluster)) this.#validated.delete(cluster)
    }
    return { stamp, digest: await sha256Hex(bytes), bytes }
  }
}
