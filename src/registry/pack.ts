/**
 * Writes the compiler's output into the packed index (packed-format.ts, docs/packed-index.md):
 * once per accepted push, so that every reader loads the result as it is. Names are stored as
 * a label and a parent node, so a zone's suffixes are written once however many names share
 * them; each record is written once, however many names and PTR entries point at it.
 */
import { parseIp } from '../dns/ip.ts'
import {
  EndpointRecord,
  EntryRecord,
  MixedNode,
  ServiceRecord,
  type Addresses,
  type NameNode,
  type Origin,
  type PortRecord,
  type PtrOwner,
} from './records.ts'
import type { RegistryData } from './registry-index.ts'
import {
  HEADER_WORDS,
  LIST,
  MAGIC,
  NONE,
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
import type { Visibility } from './visibility.ts'

/** A growable u32 array. */
class Words {
  #words = new Uint32Array(1024)
  length = 0

  push(value: number): number {
    if (this.length === this.#words.length) {
      const grown = new Uint32Array(this.#words.length * 2)
      grown.set(this.#words)
      this.#words = grown
    }
    this.#words[this.length] = value
    return this.length++
  }

  set(at: number, value: number): void {
    this.#words[at] = value
  }

  view(): Uint32Array {
    return this.#words.subarray(0, this.length)
  }
}

/** A growable byte array. */
class Bytes {
  #bytes = new Uint8Array(4096)
  length = 0

  reserve(extra: number): Uint8Array {
    if (this.length + extra > this.#bytes.length) {
      const grown = new Uint8Array(Math.max(this.#bytes.length * 2, this.length + extra))
      grown.set(this.#bytes.subarray(0, this.length))
      this.#bytes = grown
    }
    return this.#bytes
  }

  view(): Uint8Array {
    return this.#bytes.subarray(0, this.length)
  }
}

const encoder = new TextEncoder()

/** Canonical IPv4 text (compile.ts keeps only that) as a u32, without a parse per octet. */
function ipv4Word(ip: string): number {
  let word = 0
  let octet = 0
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i)
    if (c === 46) {
      word = word * 256 + octet
      octet = 0
    } else octet = octet * 10 + (c - 48)
  }
  return word * 256 + octet
}

const ASCII_HASH = { value: 0, ascii: true }

/**
 * fnv1a of the UTF-8 bytes of a name, from its characters when it is ASCII (as DNS names
 * nearly always are), and whether it was. The ASCII result is one shared object: read at once.
 */
function nameHash(name: string): { value: number; ascii: boolean } {
  let hash = 0x811c9dc5
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i)
    if (c > 127) {
      const bytes = encoder.encode(name)
      return { value: fnv1a(bytes, bytes.length), ascii: false }
    }
    hash = Math.imul(hash ^ c, 0x01000193)
  }
  ASCII_HASH.value = hash >>> 0
  return ASCII_HASH
}

function ipv6Words(ip: string): number[] {
  return wordsOf(parseIp(ip)!)
}

class Packer {
  readonly strings = new Bytes()
  readonly #stringAt = new Map<string, number>()
  readonly labels = new Words()
  readonly labelLengths: number[] = []
  readonly parents = new Words()
  readonly hashes = new Words()
  readonly contents = new Words()
  readonly #nodeOf = new Map<string, number>()
  /** Word 0 is never a record, so 0 can mean "nothing here". */
  readonly records = new Words()
  readonly #recordAt = new Map<object, number>()
  readonly #origins = new Map<Origin, number>()
  readonly meta: PackedMeta
  readonly #visibilities = new Map<string, number>()
  readonly #visibilitiesSeen = new Map<Visibility, number>()
  readonly #ports = new Map<string, number>()
  readonly #portsSeen = new Map<readonly PortRecord[], number>()
  readonly #namespaces = new Map<string, number>()

  constructor(
    data: RegistryData,
    private readonly serials: ReadonlyMap<Origin, number>,
    held: PackedHeld
  ) {
    this.records.push(0)
    this.meta = {
      stamp: held.stamp,
      revisions: held.revisions,
      defaultDomain: data.defaultDomain,
      clusters: data.clusters.map(({ cluster, domain }) => ({ cluster, domain })),
      origins: [],
      zones: [...data.zones.values()].map(({ name, ttl, serial }) => ({ name, ttl, serial })),
      reverseZones: [...data.reverseZones.values()].map(({ zone, ttl, serial }) => ({ zone, ttl, serial })),
      visibilities: [],
      ports: [],
      namespaces: [],
    }
  }

  /** Offset of `text` in the string table, written once per distinct text. */
  string(text: string): number {
    let at = this.#stringAt.get(text)
    if (at !== undefined) return at
    at = this.strings.length
    const bytes = this.strings.reserve(text.length * 3)
    let ascii = true
    for (let i = 0; i < text.length && ascii; i++) {
      const c = text.charCodeAt(i)
      if (c > 127) ascii = false
      else bytes[at + i] = c
    }
    this.strings.length += ascii ? text.length : encoder.encodeInto(text, bytes.subarray(at)).written
    this.#stringAt.set(text, at)
    return at
  }

  /** The node of `name`, with a node for every suffix of it (the root excepted). */
  node(name: string): number {
    let node = this.#nodeOf.get(name)
    if (node !== undefined) return node
    const dot = name.indexOf('.')
    const label = dot < 0 ? name : name.slice(0, dot)
    const parent = dot < 0 ? NONE : this.node(name.slice(dot + 1))
    const hash = nameHash(name)
    const labelLength = hash.ascii ? label.length : encoder.encode(label).length
    if (labelLength > 255) throw new RangeError(`label longer than 255 bytes in ${name}`)
    node = this.labels.push(this.string(label))
    this.labelLengths.push(labelLength)
    this.parents.push(parent)
    this.hashes.push(hash.value)
    this.contents.push(0)
    this.#nodeOf.set(name, node)
    return node
  }

  origin(origin: Origin): number {
    let index = this.#origins.get(origin)
    if (index === undefined) {
      index = this.meta.origins.length
      const serial = this.serials.get(origin) ?? origin.serial
      this.meta.origins.push({ cluster: origin.cluster, domain: origin.domain, ttl: origin.ttl, serial })
      this.#origins.set(origin, index)
    }
    if (index > 0xffffff) throw new RangeError('more than 2^24 snapshots')
    return index
  }

  visibility(visibility: Visibility): number {
    // Records share visibility objects (compile.ts VisibilityCache): most calls end here.
    const seen = this.#visibilitiesSeen.get(visibility)
    if (seen !== undefined) return seen
    const namespaces = visibility.star ? undefined : [...(visibility.namespaces ?? [])].sort()
    const key = namespaces === undefined ? '*' : namespaces.join(' ')
    let index = this.#visibilities.get(key)
    if (index === undefined) {
      index = this.meta.visibilities.length
      this.meta.visibilities.push(namespaces === undefined ? null : namespaces.map((n) => this.namespace(n)))
      this.#visibilities.set(key, index)
    }
    this.#visibilitiesSeen.set(visibility, index)
    return index
  }

  ports(ports: readonly PortRecord[]): number {
    const seen = this.#portsSeen.get(ports)
    if (seen !== undefined) return seen
    // By content: records carried over from an earlier compile hold that compile's lists.
    const list = ports.map(({ name, port, protocol }) => ({ name, port, protocol }))
    const key = JSON.stringify(list)
    let index = this.#ports.get(key)
    if (index === undefined) {
      index = this.meta.ports.length
      this.meta.ports.push(list)
      this.#ports.set(key, index)
    }
    this.#portsSeen.set(ports, index)
    return index
  }

  namespace(name: string): number {
    let index = this.#namespaces.get(name)
    if (index === undefined) {
      index = this.meta.namespaces.length
      this.meta.namespaces.push(name)
      this.#namespaces.set(name, index)
    }
    return index
  }

  /** `[v4 count | v6 count << 16, ...v4 words, ...v6 words]`. */
  addresses(addresses: Addresses): void {
    if (addresses.v4.length > 0xffff || addresses.v6.length > 0xffff) throw new RangeError('too many addresses')
    this.records.push(addresses.v4.length | (addresses.v6.length << 16))
    for (const ip of addresses.v4) this.records.push(ipv4Word(ip))
    for (const ip of addresses.v6) for (const w of ipv6Words(ip)) this.records.push(w)
  }

  /** The offset of a record, written on first use. */
  record(record: ServiceRecord | EndpointRecord | EntryRecord): number {
    const held = this.#recordAt.get(record)
    if (held !== undefined) return held
    if (record instanceof ServiceRecord) return this.#service(record)
    if (record instanceof EndpointRecord) return this.#endpoint(record)
    return this.#entry(record)
  }

  #service(record: ServiceRecord): number {
    const node = this.node(record.fqdn)
    const endpointNodes = record.endpointNames.map((name) => this.node(name))
    const external = record.externalName === undefined ? undefined : this.string(record.externalName)
    const kind = SERVICE_KINDS.indexOf(record.kind)
    const at = this.records.push(Tag.Service | (kind << 3) | (this.origin(record.origin) << 8))
    this.#recordAt.set(record, at)
    this.records.push(node)
    this.records.push(this.namespace(record.namespace))
    this.records.push(this.visibility(record.visibility))
    this.records.push(this.ports(record.ports))
    this.addresses(record)
    this.records.push(endpointNodes.length)
    for (const n of endpointNodes) this.records.push(n)
    if (external !== undefined) {
      this.records.push(external)
      this.records.push(encoder.encode(record.externalName).length)
    }
    return at
  }

  #endpoint(record: EndpointRecord): number {
    const service = this.record(record.service)
    const node = this.node(record.name)
    const at = this.records.push(Tag.Endpoint | ((record.fromHostname ? 1 : 0) << 3))
    this.#recordAt.set(record, at)
    this.records.push(service)
    this.records.push(node)
    this.addresses(record)
    return at
  }

  #entry(record: EntryRecord): number {
    const node = this.node(record.host)
    const at = this.records.push(Tag.Entry | (this.origin(record.origin) << 8))
    this.#recordAt.set(record, at)
    this.records.push(node)
    this.records.push(this.namespace(record.namespace))
    this.records.push(this.visibility(record.visibility))
    this.addresses(record.vips)
    this.addresses(record.hostVips)
    this.addresses(record.endpoints)
    return at
  }

  /** A list of records: `[count, ...offsets]`, its offset returned. */
  list(records: ReadonlyArray<ServiceRecord | EndpointRecord | EntryRecord>): number {
    const offsets = records.map((r) => this.record(r))
    const at = this.records.push(offsets.length)
    for (const offset of offsets) this.records.push(offset)
    return at
  }

  content(node: NameNode): number {
    if (!(node instanceof MixedNode)) return this.record(node)
    const services = (node.services ?? []).map((r) => this.record(r))
    const endpoints = (node.endpoints ?? []).map((r) => this.record(r))
    const entries = (node.entries ?? []).map((r) => this.record(r))
    const flags = (node.always ? 1 : 0) | (node.schemaVersion ? 2 : 0) | (node.below ? 4 : 0)
    const at = this.records.push(Tag.Mixed | (flags << 3))
    this.records.push(node.below ? this.visibility(node.below) : NONE)
    this.records.push(services.length)
    this.records.push(endpoints.length)
    this.records.push(entries.length)
    for (const offset of [...services, ...endpoints, ...entries]) this.records.push(offset)
    return at
  }

  owners(held: PtrOwner | readonly PtrOwner[]): number {
    if (!Array.isArray(held)) return this.record(held as PtrOwner)
    return LIST | this.list(held as readonly PtrOwner[])
  }
}

function hashTable(hashes: Uint32Array): Uint32Array {
  // At most 80% full: linear probing then averages under three slots per hit.
  let size = 16
  while (size * 0.8 < hashes.length) size *= 2
  const slots = new Uint32Array(size)
  const mask = size - 1
  for (let node = 0; node < hashes.length; node++) {
    let slot = hashes[node]! & mask
    while (slots[slot] !== 0) slot = (slot + 1) & mask
    slots[slot] = node + 1
  }
  return slots
}

function compareWords(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return 0
}

/** What the index says about the snapshots it was built from. */
export type PackedHeld = Pick<PackedMeta, 'stamp' | 'revisions'>

/**
 * The packed index of a compiled registry. `serials` are the serials the registry carries
 * (compile.ts); records kept from an earlier compile share Origins whose own field may be old.
 */
export function packRegistry(data: RegistryData, held: PackedHeld = { stamp: '', revisions: [] }): Uint8Array {
  const serials = new Map(data.serials ?? [])
  const packer = new Packer(data, serials, held)
  for (const [name, node] of data.names) packer.contents.set(packer.node(name), packer.content(node))

  const ptr4: Array<[number, number]> = []
  const ptr6: Array<[number[], number]> = []
  for (const [ip, held] of data.ptrs) {
    const owners = packer.owners(held)
    if (ip.includes(':')) ptr6.push([ipv6Words(ip), owners])
    else ptr4.push([ipv4Word(ip), owners])
  }
  ptr4.sort((a, b) => a[0] - b[0])
  ptr6.sort((a, b) => compareWords(a[0], b[0]))

  const wildcards = [...data.wildcards].map(([suffix, held]) => {
    const records = Array.isArray(held) ? (held as EntryRecord[]) : [held as EntryRecord]
    return [packer.node(suffix), packer.list(records)] as const
  })
  wildcards.sort((a, b) => a[0] - b[0])

  const hashes = packer.hashes.view()
  const sections: Uint8Array[] = []
  sections[Section.Meta] = encoder.encode(JSON.stringify(packer.meta))
  sections[Section.Strings] = packer.strings.view()
  sections[Section.NodeLabel] = bytesOf(packer.labels.view())
  sections[Section.NodeLabelLength] = Uint8Array.from(packer.labelLengths)
  sections[Section.NodeParent] = bytesOf(packer.parents.view())
  sections[Section.NodeHash] = bytesOf(hashes)
  sections[Section.NodeContent] = bytesOf(packer.contents.view())
  const slots = hashTable(hashes)
  sections[Section.Slots] = bytesOf(slots)
  sections[Section.Records] = bytesOf(packer.records.view())
  sections[Section.Ptr4Keys] = bytesOf(Uint32Array.from(ptr4, (p) => p[0]))
  sections[Section.Ptr4Owners] = bytesOf(Uint32Array.from(ptr4, (p) => p[1]))
  sections[Section.Ptr6Keys] = bytesOf(Uint32Array.from(ptr6.flatMap((p) => p[0])))
  sections[Section.Ptr6Owners] = bytesOf(Uint32Array.from(ptr6, (p) => p[1]))
  sections[Section.WildcardNodes] = bytesOf(Uint32Array.from(wildcards, (w) => w[0]))
  sections[Section.WildcardLists] = bytesOf(Uint32Array.from(wildcards, (w) => w[1]))
  return assemble(sections, hashes.length, slots.length)
}

// Typed arrays are little-endian on every platform JS runs on today; the reader checks it.
function bytesOf(words: Uint32Array): Uint8Array {
  return new Uint8Array(words.buffer, words.byteOffset, words.byteLength)
}

function padded(length: number): number {
  return (length + 3) & ~3
}

function assemble(sections: Uint8Array[], nodes: number, slots: number): Uint8Array {
  let total = HEADER_WORDS * 4
  for (const s of sections) total += padded(s.length)
  const out = new Uint8Array(total)
  const header = new Uint32Array(out.buffer, 0, HEADER_WORDS)
  header[0] = MAGIC
  header[1] = VERSION
  header[2] = total
  header[4] = nodes
  header[5] = slots
  let at = HEADER_WORDS * 4
  for (let i = 0; i < SECTIONS; i++) {
    const section = sections[i]!
    header[6 + 2 * i] = at
    header[7 + 2 * i] = section.length
    out.set(section, at)
    at += padded(section.length)
  }
  header[3] = checksum(new Uint32Array(out.buffer), 4)
  return out
}
