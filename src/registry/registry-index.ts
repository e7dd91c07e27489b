/**
 * The shapes of the name index: what the compiler builds and the packer writes
 * (`RegistryData`), what the answer logic reads (`RegistryIndex`), and what the lookups read of
 * a registry (`RegistryReader`). Kept apart from registry.ts so that the lookups depend on
 * these shapes, not on the class that binds them to a view.
 */
import type { NegativeSoa } from '../dns/lookup.ts'
import type { EntryRecord, NameNode, Origin, PtrOwner, ReverseZoneRecord, ZoneRecord } from './records.ts'
import type { View } from './views.ts'

/** What the answer logic reads: the records at a name, decoded on demand. */
export interface RegistryIndex {
  /** The records or flags at a name; undefined when nothing is there. */
  node(name: string): NameNode | undefined
  /** The `*.<suffix>` hosts of `suffix`. */
  wildcard(suffix: string): EntryRecord | readonly EntryRecord[] | undefined
  readonly hasWildcards: boolean
  /** By address bytes: the records that use it (R7), in snapshot order. */
  ptr(address: Uint8Array): PtrOwner | readonly PtrOwner[] | undefined
  readonly zones: ReadonlyMap<string, ZoneRecord>
  /** By zone name (R7.5): the reverse zones covering the snapshots' serviceCIDRs. */
  readonly reverseZones: ReadonlyMap<string, ReverseZoneRecord>
  readonly defaultDomain: string
  /** Held snapshots in name order, with their cluster domains. */
  readonly clusters: ReadonlyArray<{ cluster: string; domain: string }>
}

/** What the compiler builds (compile.ts) and the packer writes (pack.ts). */
export interface RegistryData {
  /** Every name with records or flags: its one record alone, or a node (records.ts). */
  names: Map<string, NameNode>
  /** `*.<suffix>` hosts by suffix. */
  wildcards: Map<string, EntryRecord | EntryRecord[]>
  /** By canonical address: the records that use it (R7), in snapshot order. */
  ptrs: Map<string, PtrOwner | PtrOwner[]>
  zones: Map<string, ZoneRecord>
  /** By zone name (R7.5): the reverse zones covering the snapshots' serviceCIDRs. */
  reverseZones: Map<string, ReverseZoneRecord>
  defaultDomain: string
  /** Held snapshots in name order, with their cluster domains. */
  clusters: Array<{ cluster: string; domain: string }>
  /** Each snapshot's Origin and its serial: Origins kept from an earlier compile may hold an older one. */
  serials?: ReadonlyArray<readonly [Origin, number]>
}

/** A registry as the lookups read it (registry.ts). */
export interface RegistryReader {
  readonly index: RegistryIndex
  /** Whether any snapshot is held (R2.6). */
  readonly ready: boolean
  /** The zone `name` is at or under: its longest suffix that is a cluster domain. */
  zoneOf(name: string): string | undefined
  /** The owned reverse zone `name` is at or under (R7.5). */
  reverseZoneOf(name: string): ReverseZoneRecord | undefined
  soa(zone: string): NegativeSoa
  /** R2.4: the view cluster's domain, else the configured default. */
  domainOf(view: View): string
}
