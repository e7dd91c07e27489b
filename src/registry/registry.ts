/**
 * An immutable registry: every held snapshot's names, read through `RegistryIndex` in
 * O(labels) per lookup. The index is the packed one (packed.ts), loaded from the blob each
 * push produces; `forView` binds it to a client; the decision order lives in view-lookup.ts.
 */
import type { NameLookup, NegativeSoa } from '../dns/lookup.ts'
import type { EntryRecord, NameNode, Origin, PtrOwner, ReverseZoneRecord, ZoneRecord } from './records.ts'
import { soaFor } from './found.ts'
import { PublishedViews } from './published-views.ts'
import { ViewLookup } from './view-lookup.ts'
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

export class Registry {
  readonly #soas = new Map<string, NegativeSoa>()

  constructor(
    readonly index: RegistryIndex,
    /** The views the held snapshots publish (published-views.ts), swapped with the names. */
    readonly views: PublishedViews = PublishedViews.NONE
  ) {
    for (const zone of index.zones.values()) this.#soas.set(zone.name, soaFor(zone.name, zone.ttl, zone.serial))
  }

  /** Whether any snapshot is held (R2.6). */
  get ready(): boolean {
    return this.index.clusters.length > 0
  }

  /** The zone `name` is at or under: its longest suffix that is a cluster domain. */
  zoneOf(name: string): string | undefined {
    const zones = this.index.zones
    if (zones.has(name)) return name
    for (let dot = name.indexOf('.'); dot >= 0; dot = name.indexOf('.', dot + 1)) {
      const suffix = name.slice(dot + 1)
      if (zones.has(suffix)) return suffix
    }
    return undefined
  }

  /** The owned reverse zone `name` is at or under (R7.5): one map lookup per label. */
  reverseZoneOf(name: string): ReverseZoneRecord | undefined {
    const zones = this.index.reverseZones
    if (zones.size === 0) return undefined
    for (let n: string | undefined = name; n !== undefined;) {
      const zone = zones.get(n)
      if (zone !== undefined) return zone
      const dot = n.indexOf('.')
      n = dot < 0 ? undefined : n.slice(dot + 1)
    }
    return undefined
  }

  soa(zone: string): NegativeSoa {
    return this.#soas.get(zone)!
  }

  /** R2.4: the view cluster's domain, else the configured default. */
  domainOf(view: View): string {
    const held = this.index.clusters.find((c) => c.cluster === view.cluster)
    return held?.domain ?? this.index.defaultDomain
  }

  forView(view: View): NameLookup {
    return new ViewLookup(this, view)
  }
}
