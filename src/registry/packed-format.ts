/**
 * The packed registry index, version 1 (docs/packed-index.md): the constants its writer
 * (pack.ts) and its reader (packed.ts) share, and the checks a blob passes before it is
 * served. Every number is little-endian; every section starts on a 4-byte boundary, so the
 * reader lays typed arrays over the one buffer without copying it.
 */
import type { PublishedView } from './schema.ts'

/** "MDIX" read as a little-endian u32. */
export const MAGIC = 0x5849444d
export const VERSION = 1

/** The sections, in the order of the header's section table. */
export const enum Section {
  /** UTF-8 JSON: what exists once per cluster or per distinct set (origins, zones, visibilities, ports). */
  Meta,
  /** UTF-8 bytes of labels, namespaces and ExternalName targets. */
  Strings,
  /** Per node, u32: offset of its label in Strings. */
  NodeLabel,
  /** Per node, u8: length of its label. */
  NodeLabelLength,
  /** Per node, u32: the node of its parent name, or NONE. */
  NodeParent,
  /** Per node, u32: FNV-1a of the node's whole name. */
  NodeHash,
  /** Per node, u32: the record at the name (a word offset in Records), or 0. */
  NodeContent,
  /** The name hash table: node + 1 per slot, 0 for empty; a power of two in size. */
  Slots,
  /** u32 words: the records (service, endpoint, entry, mixed) and owner lists. */
  Records,
  /** Sorted u32 IPv4 addresses that have PTR owners. */
  Ptr4Keys,
  /** Per Ptr4Keys entry: the owner (record offset), or LIST | offset of a list in Records. */
  Ptr4Owners,
  /** Sorted IPv6 addresses, four big-endian-ordered u32 words each. */
  Ptr6Keys,
  Ptr6Owners,
  /** Sorted nodes of `*.<suffix>` suffixes. */
  WildcardNodes,
  /** Per WildcardNodes entry: a list in Records. */
  WildcardLists,
}

export const SECTIONS = 15
/** magic, version, byte length, checksum, node count, slot count, then (offset, length) per section. */
export const HEADER_WORDS = 6 + 2 * SECTIONS
export const HEADER_BYTES = HEADER_WORDS * 4

export const NONE = 0xffffffff
/** In an owner column: the value is the offset of a list `[count, ...records]`. */
export const LIST = 0x80000000

/** Record tags, in the low 3 bits of a record's first word. */
export const enum Tag {
  Service = 1,
  Endpoint = 2,
  Entry = 3,
  Mixed = 4,
}

export const SERVICE_KINDS = ['cluster-ip', 'headless', 'external'] as const

/** The part of the index that is not per name: decoded once per load. */
export interface PackedMeta {
  /** The stamp of the held snapshots it was built from (store.ts stampOf). */
  stamp: string
  /**
   * Each held snapshot's cluster and revision, for `/v1/snapshots` when the store is away, and
   * the views it publishes (published-views.ts), absent when none: an index of an older build
   * reads as publishing none.
   */
  revisions: Array<{ cluster: string; revision: number; views?: PublishedView[] }>
  defaultDomain: string
  clusters: Array<{ cluster: string; domain: string }>
  origins: Array<{ cluster: string; domain: string; ttl: number; serial: number }>
  zones: Array<{ name: string; ttl: number; serial: number }>
  reverseZones: Array<{ zone: string; ttl: number; serial: number }>
  /** exportTo sets: null for everyone, else the indexes in `namespaces` of those that see. */
  visibilities: Array<number[] | null>
  ports: Array<Array<{ name: string; port: number; protocol: string }>>
  /** Namespace names, by index. */
  namespaces: string[]
}

export class PackedIndexError extends Error {}

/** FNV-1a over bytes: the hash of a name in the table. */
export function fnv1a(bytes: Uint8Array, length: number): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < length; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193)
  return hash >>> 0
}

/**
 * A checksum over the words from `from` on: FNV-style mixing in four independent lanes, so
 * it runs at memory speed in JS (a few milliseconds for an index of 100k Services) and
 * catches truncation, flipped bits and moved words. Not a defence against a forger: indexes
 * are written only by the resolver's own push path.
 */
export function checksum(words: Uint32Array, from: number): number {
  let a = 0x811c9dc5
  let b = 0x9e3779b9
  let c = 0x85ebca6b
  let d = 0xc2b2ae35
  const n = words.length
  let i = from
  for (; i + 3 < n; i += 4) {
    a = Math.imul(a ^ words[i]!, 0x01000193)
    b = Math.imul(b ^ words[i + 1]!, 0x01000193)
    c = Math.imul(c ^ words[i + 2]!, 0x01000193)
    d = Math.imul(d ^ words[i + 3]!, 0x01000193)
  }
  for (; i < n; i++) a = Math.imul(a ^ words[i]!, 0x01000193)
  return (a ^ Math.imul(b, 0x27d4eb2f) ^ Math.imul(c, 0x165667b1) ^ Math.imul(d, 0x9e3779b1) ^ n) >>> 0
}

/** An address as big-endian-ordered u32 words: one for IPv4, four for IPv6 (as pack.ts writes them). */
export function wordsOf(address: Uint8Array): number[] {
  const out: number[] = []
  for (let i = 0; i + 3 < address.length; i += 4)
    out.push(((address[i]! << 24) | (address[i + 1]! << 16) | (address[i + 2]! << 8) | address[i + 3]!) >>> 0)
  return out
}
