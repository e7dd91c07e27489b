/**
 * The job's snapshot builder: incremental, and serialising each object once.
 *
 * It keeps, per Service and per ServiceEntry (keyed `namespace/name`), the object's converted
 * JSON, the names it publishes, and the inputs it was made from: the informer's record (a new
 * object whenever the API object's resourceVersion changes; client-node's cache keeps the old
 * one on a relist that brings the same version), the EndpointSlices of a headless service, the
 * WorkloadEntries an address-less ServiceEntry selects, and the mesh default `exportTo`. A build
 * converts and validates only the objects whose inputs changed, so a change costs a few
 * milliseconds of bookkeeping at 10k services instead of a rebuild and revalidation of all.
 *
 * Validation happens there, once per object version, with the shared `parseSnapshot`
 * (build.ts `checkObject`). An `Offer` can only be made here, from checked elements, and it
 * checks its envelope (cluster, domain, TTL, CIDRs, namespaces, revision, time) with
 * `parseSnapshot` again when it is stamped: every document it renders passes `parseSnapshot` as
 * a whole (test/sync/assemble.test.ts), without the whole document being parsed per push.
 *
 * The output is byte-for-byte the JSON of `buildSnapshot` (build.ts) stamped with the same
 * revision and time; the tests hold the two to that.
 */
import { createHash } from 'node:crypto'
import { elementCanonicalBytes, snapshotDigest } from '../registry/canonical.ts'
import type { Service, ServiceEntry, SnapshotInput } from '../registry/schema.ts'
import { parseSnapshot, type SnapshotProblem } from '../registry/validate.ts'
import {
  byKey,
  checkObject,
  envelopeOf,
  groupBy,
  toEntryInput,
  toServiceInput,
  type BuildOptions,
  type ClusterState,
  type Skipped,
  type SnapshotContent,
} from './build.ts'
import type { MeshDefaults } from './mesh-config.ts'
import type { ServiceEntryRecord, ServiceRecord, SliceRecord, WorkloadEntryRecord } from './objects.ts'
import { stampSnapshot } from './revision.ts'

// Only this module can make an Offer: the constructor wants a value nobody else can name.
const CHECKED: unique symbol = Symbol('checked elements')

/**
 * One element of a snapshot as the builder keeps it: its name, its JSON as pushed, and its
 * validated form (defaults filled in), which is what the canonical digest is computed from. A
 * piece is made once per version of its object and shared by every offer that holds it, so
 * "unchanged since the last push" is mostly the same piece (delta.ts).
 */
export interface Piece<E extends object = object> {
  readonly namespace: string
  readonly name: string
  readonly json: string
  /** UTF-8 length of `json`. */
  readonly bytes: number
  readonly element: E
}

function piece<E extends Keyed>(element: E, json: string): Piece<E> {
  return { namespace: element.namespace, name: element.name, json, bytes: Buffer.byteLength(json), element }
}

// Any stamp does for the digest: it leaves out revision and generatedAt.
const DIGEST_STAMP = { revision: 1, at: new Date(0) }
// Elements whose canonical text is computed between two turns of the event loop (see snapshotDigest).
const DIGEST_SLICE = 2000

/**
 * One snapshot's content, ready to stamp and send: the envelope as an object, and the elements
 * of the two lists as the pieces the builder keeps anyway (shared, not copied: an offer costs
 * two arrays of references). `key` is the SHA-256 of all of it; "unchanged" is equal keys. No
 * document-sized string is ever made: `render` writes the bytes into one Buffer, outside the
 * V8 heap, which is dropped once it is gzipped.
 */
export class Offer {
  /** Identity of the content (not the contract's canonical digest, which costs more: snapshotDigest). */
  readonly key: string
  readonly envelope: Readonly<SnapshotContent>
  readonly services: readonly Piece<Service>[]
  readonly serviceEntries: readonly Piece<ServiceEntry>[]
  #digest: Promise<string> | undefined
  #elementBytes: number | undefined

  constructor(
    token: typeof CHECKED,
    envelope: SnapshotContent,
    services: readonly Piece<Service>[],
    entries: readonly Piece<ServiceEntry>[]
  ) {
    if (token !== CHECKED) throw new Error('an Offer is made by SnapshotBuilder only')
    this.envelope = envelope
    this.services = services
    this.serviceEntries = entries
    // One update per list: a call per element costs more than joining them first.
    const hash = createHash('sha256').update(JSON.stringify(envelope))
    for (const list of [services, entries]) hash.update('\n').update(list.map((p) => p.json).join(','))
    this.key = hash.digest('hex')
  }

  /**
   * The document's envelope stamped with `revision` and `generatedAt`, checked with
   * `parseSnapshot` (the elements were checked when they were built): what `render` and a
   * delta (delta.ts) of this content send.
   */
  check(
    revision: number,
    generatedAt: Date,
    cluster?: string
  ): { ok: true; doc: SnapshotInput } | ({ ok: false } & SnapshotProblem) {
    const doc = stampSnapshot(this.envelope, revision, generatedAt)
    const checked = parseSnapshot(doc, cluster)
    return checked.ok ? { ok: true, doc } : checked
  }

  /** The document as it is pushed, as UTF-8 JSON, with `revision` and `generatedAt` stamped and checked. */
  render(
    revision: number,
    generatedAt: Date,
    cluster?: string
  ): { ok: true; bytes: Buffer } | ({ ok: false } & SnapshotProblem) {
    const checked = this.check(revision, generatedAt, cluster)
    if (!checked.ok) return checked
    const head = JSON.stringify(checked.doc).slice(0, -1)
    const bytes = toBuffer([
      head,
      ',"services":[',
      ...join(this.services),
      '],"serviceEntries":[',
      ...join(this.serviceEntries),
      ']}',
    ])
    return { ok: true, bytes }
  }

  /** The length `render` gives, without rendering: to tell whether a delta is worth sending. */
  size(revision: number, generatedAt: Date): number {
    if (this.#elementBytes === undefined) {
      let bytes = 0
      for (const list of [this.services, this.serviceEntries]) {
        for (const p of list) bytes += p.bytes
        bytes += Math.max(0, list.length - 1)
      }
      this.#elementBytes = bytes
    }
    const head = JSON.stringify(stampSnapshot(this.envelope, revision, generatedAt)).length - 1
    return head + ',"services":['.length + '],"serviceEntries":['.length + ']}'.length + this.#elementBytes
  }

  /**
   * The contract's digest of this snapshot (src/registry/canonical.ts): the shared
   * `snapshotDigest` of the validated document, built here from the validated envelope and the
   * validated elements, which is what `parseSnapshot` of the whole document gives (no rule
   * across elements; test/sync/delta.test.ts holds the two equal). Computed once per offer.
   */
  snapshotDigest(): Promise<string> {
    return (this.#digest ??= this.#computeDigest())
  }

  async #computeDigest(): Promise<string> {
    const checked = parseSnapshot(stampSnapshot(this.envelope, DIGEST_STAMP.revision, DIGEST_STAMP.at))
    if (!checked.ok) throw new Error(`cannot digest an invalid envelope: ${checked.path}: ${checked.error}`)
    // canonical.ts caches each element's canonical form by the element object, and the pieces
    // keep their elements: only new elements are canonicalised. The first digest after a start
    // canonicalises all of them, seconds at 100k Services, so it yields to the event loop
    // between slices instead of stalling the watches and the other targets.
    for (const list of [this.services, this.serviceEntries]) {
      for (let i = 0; i < list.length; i += DIGEST_SLICE) {
        for (const p of list.slice(i, i + DIGEST_SLICE)) elementCanonicalBytes(p.element)
        if (list.length > DIGEST_SLICE) await new Promise((resolve) => setImmediate(resolve))
      }
    }
    return snapshotDigest({
      ...checked.snapshot,
      services: this.services.map((p) => p.element),
      serviceEntries: this.serviceEntries.map((p) => p.element),
    })
  }
}

function* join(elements: readonly Piece[]): Generator<string> {
  for (let i = 0; i < elements.length; i++) {
    if (i > 0) yield ','
    yield elements[i]!.json
  }
}

/** The UTF-8 bytes of the concatenated strings, in one Buffer allocated to size. */
export function toBuffer(pieces: readonly string[]): Buffer {
  let length = 0
  for (const p of pieces) length += Buffer.byteLength(p)
  const bytes = Buffer.allocUnsafe(length)
  let at = 0
  for (const p of pieces) at += bytes.write(p, at)
  return bytes
}

/** What one build gives the job. */
export interface Assembled {
  offer: Offer
  /** The names the snapshot publishes (guard.ts `snapshotNames`), for the shrink guard and the gauge. */
  names: Set<string>
  skipped: Skipped[]
}

interface Memo<R, D, E extends object> {
  record: R
  /** Other records the output was made from (slices, workloads), in the order they were given. */
  deps: readonly D[] | undefined
  /** The mesh default `exportTo` the output was made with, as JSON. */
  defaults: string
  /** The element, or undefined when the schema refused it. */
  piece: Piece<E> | undefined
  names: string[]
  skipped: Skipped | undefined
  /** The build that last saw the object; older memos are of deleted objects. */
  seen: number
}

type Keyed = { namespace: string; name: string }

function sameItems(a: readonly object[] | undefined, b: readonly object[] | undefined): boolean {
  if (a === b) return true
  if (a === undefined || b === undefined || a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

const NONE: readonly never[] = []

/** One kind of element (services or ServiceEntries): memos, and their order in the document. */
class Elements<R extends Keyed, D extends object, E extends object> {
  readonly #memos = new Map<string, Memo<R, D, E>>()
  /** Memos sorted by namespace, then name; kept in order as objects come and go. */
  #order: Array<Memo<R, D, E>> = []

  constructor(
    private readonly convert: (record: R, deps: readonly D[]) => Pick<Memo<R, D, E>, 'piece' | 'names' | 'skipped'>
  ) {}

  update(
    records: readonly R[],
    depsOf: (record: R) => readonly D[] | undefined,
    defaults: string,
    build: number
  ): void {
    const added: Array<Memo<R, D, E>> = []
    const replaced: Array<Memo<R, D, E>> = []
    for (const record of records) {
      const key = `${record.namespace}/${record.name}`
      const deps = depsOf(record)
      const memo = this.#memos.get(key)
      if (memo !== undefined && memo.record === record && memo.defaults === defaults && sameItems(memo.deps, deps)) {
        memo.seen = build
        continue
      }
      const next = { record, deps, defaults, seen: build, ...this.convert(record, deps ?? NONE) }
      this.#memos.set(key, next)
      ;(memo === undefined ? added : replaced).push(next)
    }
    let removed = false
    for (const [key, memo] of this.#memos) {
      if (memo.seen !== build) {
        this.#memos.delete(key)
        removed = true
      }
    }
    // A replaced memo takes its predecessor's place: the same key sorts to the same position.
    for (const memo of replaced) this.#order[this.#position(memo.record)] = memo
    if (removed) this.#order = this.#order.filter((m) => m.seen === build)
    // A few new objects go in by binary search; many (the first build) by one sort.
    if (added.length > 64) this.#order = [...this.#order, ...added].sort((a, b) => byKey(a.record, b.record))
    else for (const memo of added) this.#order.splice(this.#position(memo.record), 0, memo)
  }

  #position(record: R): number {
    let low = 0
    let high = this.#order.length
    while (low < high) {
      const mid = (low + high) >>> 1
      if (byKey(this.#order[mid]!.record, record) < 0) low = mid + 1
      else high = mid
    }
    return low
  }

  /** The accepted elements, in order; names and skipped objects go to the given sinks. */
  elements(names: Set<string>, skipped: Skipped[]): Array<Piece<E>> {
    const parts: Array<Piece<E>> = []
    for (const memo of this.#order) {
      if (memo.piece === undefined) {
        if (memo.skipped) skipped.push(memo.skipped)
        continue
      }
      parts.push(memo.piece)
      for (const name of memo.names) names.add(name)
    }
    return parts
  }
}

/** Builds snapshots from the cluster state, remembering per object what it built last time. */
export class SnapshotBuilder {
  #build = 0
  readonly #services: Elements<ServiceRecord, SliceRecord, Service>
  readonly #entries: Elements<ServiceEntryRecord, WorkloadEntryRecord, ServiceEntry>
  #mesh: MeshDefaults = {}

  constructor(private readonly options: BuildOptions) {
    this.#services = new Elements((svc, deps) => {
      const out = toServiceInput(svc, deps, this.#mesh)
      const checked = checkObject('services', out)
      if (!checked.ok) {
        const { error, path } = checked
        return {
          piece: undefined,
          names: [],
          skipped: { kind: 'Service', namespace: svc.namespace, name: svc.name, error, path },
        }
      }
      const base = `${svc.name}.${svc.namespace}.svc`
      const names = [base]
      for (const ep of out.endpoints ?? []) if (ep.hostname) names.push(`${ep.hostname}.${base}`)
      return { piece: piece(checked.element, JSON.stringify(out)), names, skipped: undefined }
    })
    this.#entries = new Elements((se, deps) => {
      const out = toEntryInput(se, deps, this.#mesh)
      const checked = checkObject('serviceEntries', out)
      if (!checked.ok) {
        const { error, path } = checked
        const skipped: Skipped = { kind: 'ServiceEntry', namespace: se.namespace, name: se.name, error, path }
        return { piece: undefined, names: [], skipped }
      }
      const names = out.hosts.map((h) => h.toLowerCase())
      return { piece: piece(checked.element, JSON.stringify(out)), names, skipped: undefined }
    })
  }

  build(state: ClusterState, mesh: MeshDefaults): Assembled {
    const build = ++this.#build
    this.#mesh = mesh
    const slices = groupBy(state.slices, (s) => `${s.namespace}/${s.service}`)
    const headless = (svc: ServiceRecord) => svc.externalName === undefined && svc.clusterIPs.length === 0
    this.#services.update(
      state.services,
      (svc) => (headless(svc) ? (slices.get(`${svc.namespace}/${svc.name}`) ?? NONE) : undefined),
      JSON.stringify(mesh.serviceExportTo ?? null),
      build
    )
    const workloads = groupBy(state.workloadEntries, (w) => w.namespace)
    this.#entries.update(
      state.serviceEntries,
      (se) =>
        se.addresses.length === 0 && se.selector !== undefined ? (workloads.get(se.namespace) ?? NONE) : undefined,
      JSON.stringify(mesh.serviceEntryExportTo ?? null),
      build
    )
    const names = new Set<string>()
    const skipped: Skipped[] = []
    const services = this.#services.elements(names, skipped)
    const entries = this.#entries.elements(names, skipped)
    const envelope = envelopeOf(state.namespaces, this.options, skipped, state.views)
    const offer = new Offer(CHECKED, envelope, services, entries)
    return { offer, names, skipped }
  }
}
