/**
 * Reads the packed index in place (docs/packed-index.md). Loading checks the header and the
 * checksum and decodes the small meta section; it creates no object per name. A lookup hashes
 * the question, probes the table, checks the name label by label against the parent chain and
 * decodes only the records at that name, as the objects the answer logic reads.
 */
import { formatIp } from '../dns/ip.ts'
import {
  EndpointRecord,
  EntryRecord,
  MixedNode,
  NONE as NO_ITEMS,
  NO_ADDRESSES,
  Origin,
  ServiceRecord,
  type Addresses,
  type NameNode,
  type PortRecord,
  type PtrOwner,
  type ReverseZoneRecord,
  type ZoneRecord,
} from './records.ts'
import type { RegistryIndex } from './registry-index.ts'
import {
  HEADER_WORDS,
  LIST,
  MAGIC,
  NONE,
  PackedIndexError,
  SECTIONS,
  SERVICE_KINDS,
  Section,
  Tag,
  VERSION,
  checksum,
  fnv1a,
  wordsOf,
  type PackedMeta,
} from './packed-format.ts'
import { EVERYONE, type Visibility } from './visibility.ts'

const decoder = new TextDecoder()
const encoder = new TextEncoder()

/** Holds any DNS name (at most 255 octets on the wire, so at most 1020 bytes of UTF-8). */
const scratch = new Uint8Array(2048)

interface Header {
  nodes: number
  slots: number
  sections: Array<{ offset: number; length: number }>
}

/** Checks magic, version, length, section bounds and checksum; throws PackedIndexError. */
function readHeader(bytes: Uint8Array): Header {
  if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) throw new PackedIndexError('big-endian platform')
  if (bytes.byteLength < HEADER_WORDS * 4 || bytes.byteLength % 4 !== 0)
    throw new PackedIndexError(`index of ${bytes.byteLength} bytes is not a whole index`)
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2)
  if (words[0] !== MAGIC) throw new PackedIndexError('not a meshdoh index (bad magic)')
  if (words[1] !== VERSION) throw new PackedIndexError(`index version ${words[1]}, this resolver reads ${VERSION}`)
  if (words[2] !== bytes.byteLength)
    throw new PackedIndexError(`index says ${words[2]} bytes, ${bytes.byteLength} were read`)
  const sum = checksum(words, 4)
  if (words[3] !== sum) throw new PackedIndexError('index checksum mismatch')
  const sections: Header['sections'] = []
  for (let i = 0; i < SECTIONS; i++) {
    const offset = words[6 + 2 * i]!
    const length = words[7 + 2 * i]!
    if (offset % 4 !== 0 || offset < HEADER_WORDS * 4 || offset + length > bytes.byteLength)
      throw new PackedIndexError(`index section ${i} out of bounds`)
    sections.push({ offset, length })
  }
  return { nodes: words[4]!, slots: words[5]!, sections }
}

function fromMeta(meta: PackedMeta) {
  const origins = meta.origins.map((o) => new Origin(o.cluster, o.domain, o.ttl, o.serial))
  const zones = new Map<string, ZoneRecord>(meta.zones.map((z) => [z.name, z]))
  const reverseZones = new Map<string, ReverseZoneRecord>(meta.reverseZones.map((z) => [z.zone, z]))
  return { origins, zones, reverseZones }
}

export class PackedIndex implements RegistryIndex {
  readonly stamp: string
  readonly revisions: ReadonlyArray<PackedMeta['revisions'][number]>
  readonly defaultDomain: string
  readonly clusters: ReadonlyArray<{ cluster: string; domain: string }>
  readonly zones: ReadonlyMap<string, ZoneRecord>
  readonly reverseZones: ReadonlyMap<string, ReverseZoneRecord>
  readonly hasWildcards: boolean
  /** The blob's size: what this index holds in memory. */
  readonly byteLength: number

  readonly #strings: Uint8Array
  readonly #labels: Uint32Array
  readonly #labelLengths: Uint8Array
  readonly #parents: Uint32Array
  readonly #hashes: Uint32Array
  readonly #contents: Uint32Array
  readonly #slots: Uint32Array
  readonly #records: Uint32Array
  readonly #ptr4Keys: Uint32Array
  readonly #ptr4Owners: Uint32Array
  readonly #ptr6Keys: Uint32Array
  readonly #ptr6Owners: Uint32Array
  readonly #wildcardNodes: Uint32Array
  readonly #wildcardLists: Uint32Array
  readonly #meta: PackedMeta
  /** Decoded on first use: a load creates no object per distinct exportTo or port list. */
  readonly #visibilities: Array<Visibility | undefined> = []
  readonly #ports: Array<readonly PortRecord[] | undefined> = []
  readonly #origins: Origin[]
  readonly #namespaces: string[]

  /** Throws PackedIndexError for a blob that is not a whole index of this version. */
  constructor(input: Uint8Array) {
    // Typed-array views need 4-byte alignment; a Buffer from a pool or a slice may lack it.
    const bytes = input.byteOffset % 4 === 0 ? input : input.slice()
    const header = readHeader(bytes)
    const { buffer, byteOffset } = bytes
    const section = (s: Section) => header.sections[s]!
    const u8 = (s: Section) => new Uint8Array(buffer, byteOffset + section(s).offset, section(s).length)
    const u32 = (s: Section) => {
      if (section(s).length % 4 !== 0) throw new PackedIndexError(`index section ${s} is not whole words`)
      return new Uint32Array(buffer, byteOffset + section(s).offset, section(s).length >>> 2)
    }
    let meta: PackedMeta
    try {
      meta = JSON.parse(decoder.decode(u8(Section.Meta))) as PackedMeta
    } catch {
      throw new PackedIndexError('index meta section is not JSON')
    }
    const decoded = fromMeta(meta)
    this.stamp = meta.stamp
    this.revisions = meta.revisions
    this.defaultDomain = meta.defaultDomain
    this.clusters = meta.clusters
    this.zones = decoded.zones
    this.reverseZones = decoded.reverseZones
    this.#meta = meta
    this.#origins = decoded.origins
    this.#namespaces = meta.namespaces
    this.#strings = u8(Section.Strings)
    this.#labels = u32(Section.NodeLabel)
    this.#labelLengths = u8(Section.NodeLabelLength)
    this.#parents = u32(Section.NodeParent)
    this.#hashes = u32(Section.NodeHash)
    this.#contents = u32(Section.NodeContent)
    this.#slots = u32(Section.Slots)
    this.#records = u32(Section.Records)
    this.#ptr4Keys = u32(Section.Ptr4Keys)
    this.#ptr4Owners = u32(Section.Ptr4Owners)
    this.#ptr6Keys = u32(Section.Ptr6Keys)
    this.#ptr6Owners = u32(Section.Ptr6Owners)
    this.#wildcardNodes = u32(Section.WildcardNodes)
    this.#wildcardLists = u32(Section.WildcardLists)
    const n = header.nodes
    if (
      this.#labels.length !== n ||
      this.#labelLengths.length !== n ||
      this.#parents.length !== n ||
      this.#hashes.length !== n ||
      this.#contents.length !== n ||
      header.slots !== this.#slots.length ||
      (header.slots & (header.slots - 1)) !== 0 ||
      this.#ptr4Keys.length !== this.#ptr4Owners.length ||
      this.#ptr6Keys.length !== 4 * this.#ptr6Owners.length ||
      this.#wildcardNodes.length !== this.#wildcardLists.length
    )
      throw new PackedIndexError('index sections disagree on their sizes')
    this.hasWildcards = this.#wildcardNodes.length > 0
    this.byteLength = bytes.byteLength
  }

  /** The node of `name`, or NONE. */
  #find(name: string): number {
    const { written } = encoder.encodeInto(name, scratch)
    if (written >= scratch.length) return NONE
    const hash = fnv1a(scratch, written)
    const mask = this.#slots.length - 1
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const held = this.#slots[slot]!
      if (held === 0) return NONE
      const node = held - 1
      if (this.#hashes[node] === hash && this.#matches(node, written)) return node
    }
  }

  /** Whether the node's name is the `length` bytes in `scratch`. */
  #matches(node: number, length: number): boolean {
    let at = 0
    for (let n = node; ;) {
      const start = this.#labels[n]!
      const size = this.#labelLengths[n]!
      if (at + size > length) return false
      for (let i = 0; i < size; i++) if (this.#strings[start + i] !== scratch[at + i]) return false
      at += size
      n = this.#parents[n]!
      if (n === NONE) return at === length
      if (scratch[at] !== 0x2e) return false
      at++
    }
  }

  #label(node: number): string {
    return this.#text(this.#labels[node]!, this.#labelLengths[node]!)
  }

  /** Bytes of the string table as text; short ASCII (every DNS label, nearly) without a TextDecoder call. */
  #text(start: number, length: number): string {
    const strings = this.#strings
    if (length <= 64) {
      let text = ''
      for (let i = start; i < start + length; i++) {
        const c = strings[i]!
        if (c > 127) return decoder.decode(strings.subarray(start, start + length))
        text += String.fromCharCode(c)
      }
      return text
    }
    return decoder.decode(strings.subarray(start, start + length))
  }

  /** The whole name of a node: its label and its parents'. */
  nameOf(node: number): string {
    let name = this.#label(node)
    for (let n = this.#parents[node]!; n !== NONE; n = this.#parents[n]!) name += '.' + this.#label(n)
    return name
  }

  node(name: string): NameNode | undefined {
    const node = this.#find(name)
    if (node === NONE) return undefined
    const content = this.#contents[node]!
    return content === 0 ? undefined : this.#content(content)
  }

  wildcard(suffix: string): EntryRecord | readonly EntryRecord[] | undefined {
    if (!this.hasWildcards) return undefined
    const node = this.#find(suffix)
    if (node === NONE) return undefined
    const at = search(this.#wildcardNodes, node)
    if (at < 0) return undefined
    return this.#list(this.#wildcardLists[at]!) as EntryRecord[]
  }

  /** Who uses the address (4 or 16 bytes), for PTR. */
  ptr(address: Uint8Array): PtrOwner | readonly PtrOwner[] | undefined {
    const words = wordsOf(address)
    if (words.length === 4) {
      const at = search6(this.#ptr6Keys, words)
      return at < 0 ? undefined : this.#owners(this.#ptr6Owners[at]!)
    }
    const at = search(this.#ptr4Keys, words[0]!)
    return at < 0 ? undefined : this.#owners(this.#ptr4Owners[at]!)
  }

  #owners(value: number): PtrOwner | readonly PtrOwner[] {
    return value & LIST ? (this.#list(value & ~LIST) as PtrOwner[]) : (this.#record(value) as PtrOwner)
  }

  #list(at: number): Array<ServiceRecord | EndpointRecord | EntryRecord> {
    const r = this.#records
    const out = []
    for (let i = 0, count = r[at]!; i < count; i++) out.push(this.#record(r[at + 1 + i]!))
    return out
  }

  #content(at: number): NameNode {
    const r = this.#records
    const head = r[at]!
    if ((head & 7) !== Tag.Mixed) return this.#record(at)
    const node = new MixedNode()
    const flags = head >>> 3
    node.always = (flags & 1) !== 0
    node.schemaVersion = (flags & 2) !== 0
    if (flags & 4) node.below = this.#visibility(r[at + 1]!)
    const services = r[at + 2]!
    const endpoints = r[at + 3]!
    const entries = r[at + 4]!
    let next = at + 5
    if (services > 0) node.services = this.#recordsAt(next, services) as ServiceRecord[]
    next += services
    if (endpoints > 0) node.endpoints = this.#recordsAt(next, endpoints) as EndpointRecord[]
    next += endpoints
    if (entries > 0) node.entries = this.#recordsAt(next, entries) as EntryRecord[]
    return node
  }

  #recordsAt(from: number, count: number): Array<ServiceRecord | EndpointRecord | EntryRecord> {
    const out = []
    for (let i = 0; i < count; i++) out.push(this.#record(this.#records[from + i]!))
    return out
  }

  #record(at: number): ServiceRecord | EndpointRecord | EntryRecord {
    const tag = this.#records[at]! & 7
    if (tag === Tag.Service) return this.#service(at)
    if (tag === Tag.Endpoint) return this.#endpoint(at)
    if (tag === Tag.Entry) return this.#entry(at)
    throw new PackedIndexError(`no record at word ${at}`)
  }

  #visibility(index: number): Visibility {
    let visibility = this.#visibilities[index]
    if (visibility === undefined) {
      const stored = this.#meta.visibilities[index]
      if (stored === undefined) throw new PackedIndexError(`no visibility ${index}`)
      const names = this.#namespaces
      visibility = stored === null ? EVERYONE : { star: false, namespaces: new Set(stored.map((n) => names[n] ?? '')) }
      this.#visibilities[index] = visibility
    }
    return visibility
  }

  #portList(index: number): readonly PortRecord[] {
    let ports = this.#ports[index]
    if (ports === undefined) {
      const stored = this.#meta.ports[index]
      if (stored === undefined) throw new PackedIndexError(`no port list ${index}`)
      ports = stored.length === 0 ? NO_ITEMS : Object.freeze(stored.map((p) => Object.freeze({ ...p })))
      this.#ports[index] = ports
    }
    return ports
  }

  #origin(head: number): Origin {
    const origin = this.#origins[head >>> 8]
    if (origin === undefined) throw new PackedIndexError(`no origin ${head >>> 8}`)
    return origin
  }

  /** Reads an address list at `at` into `into`; returns the word after it. */
  #addresses(at: number, into: { v4: readonly string[]; v6: readonly string[] }): number {
    const r = this.#records
    const counts = r[at]!
    const v4 = counts & 0xffff
    const v6 = counts >>> 16
    let next = at + 1
    if (v4 > 0) {
      const list: string[] = []
      for (let i = 0; i < v4; i++) {
        const w = r[next++]!
        list.push(`${w >>> 24}.${(w >>> 16) & 255}.${(w >>> 8) & 255}.${w & 255}`)
      }
      into.v4 = list
    }
    if (v6 > 0) {
      const list: string[] = []
      const bytes = new Uint8Array(16)
      for (let i = 0; i < v6; i++) {
        for (let j = 0; j < 4; j++) {
          const w = r[next++]!
          bytes[j * 4] = w >>> 24
          bytes[j * 4 + 1] = (w >>> 16) & 255
          bytes[j * 4 + 2] = (w >>> 8) & 255
          bytes[j * 4 + 3] = w & 255
        }
        list.push(formatIp(bytes))
      }
      into.v6 = list
    }
    return next
  }

  #addressList(at: number): { addresses: Addresses; next: number } {
    if (this.#records[at] === 0) return { addresses: NO_ADDRESSES, next: at + 1 }
    const addresses = { v4: NO_ITEMS, v6: NO_ITEMS } as { v4: readonly string[]; v6: readonly string[] }
    const next = this.#addresses(at, addresses)
    return { addresses, next }
  }

  #service(at: number): ServiceRecord {
    const r = this.#records
    const head = r[at]!
    const kind = SERVICE_KINDS[(head >>> 3) & 3]
    if (kind === undefined) throw new PackedIndexError(`bad service kind at word ${at}`)
    const ports = this.#portList(r[at + 4]!)
    const counts = r[at + 5]!
    const endpointsAt = at + 6 + (counts & 0xffff) + 4 * (counts >>> 16)
    const endpoints = r[endpointsAt]!
    let externalName: string | undefined
    if (kind === 'external') {
      const start = r[endpointsAt + 1 + endpoints]!
      externalName = this.#text(start, r[endpointsAt + 2 + endpoints]!)
    }
    const record = new ServiceRecord(
      this.#origin(head),
      kind,
      this.#namespaces[r[at + 2]!] ?? '',
      this.nameOf(r[at + 1]!),
      this.#visibility(r[at + 3]!),
      ports,
      externalName
    )
    this.#addresses(at + 5, record)
    if (endpoints > 0) {
      const names: string[] = []
      for (let i = 1; i <= endpoints; i++) names.push(this.nameOf(r[endpointsAt + i]!))
      record.endpointNames = names
    }
    return record
  }

  #endpoint(at: number): EndpointRecord {
    const r = this.#records
    const record = new EndpointRecord(this.#service(r[at + 1]!), this.nameOf(r[at + 2]!), ((r[at]! >>> 3) & 1) === 1)
    this.#addresses(at + 3, record)
    return record
  }

  #entry(at: number): EntryRecord {
    const r = this.#records
    const vips = this.#addressList(at + 4)
    const hostVips = this.#addressList(vips.next)
    const endpoints = this.#addressList(hostVips.next)
    return new EntryRecord(
      this.#origin(r[at]!),
      this.#namespaces[r[at + 2]!] ?? '',
      this.nameOf(r[at + 1]!),
      this.#visibility(r[at + 3]!),
      vips.addresses,
      hostVips.addresses,
      endpoints.addresses
    )
  }
}

/** Index of `value` in the sorted `keys`, or -1. */
function search(keys: Uint32Array, value: number): number {
  let low = 0
  let high = keys.length - 1
  while (low <= high) {
    const mid = (low + high) >>> 1
    const key = keys[mid]!
    if (key === value) return mid
    if (key < value) low = mid + 1
    else high = mid - 1
  }
  return -1
}

function search6(keys: Uint32Array, value: readonly number[]): number {
  let low = 0
  let high = keys.length / 4 - 1
  while (low <= high) {
    const mid = (low + high) >>> 1
    let order = 0
    for (let i = 0; i < 4 && order === 0; i++) order = keys[mid * 4 + i]! - value[i]!
    if (order === 0) return mid
    if (order < 0) low = mid + 1
    else high = mid - 1
  }
  return -1
}
