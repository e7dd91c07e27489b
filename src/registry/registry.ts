/**
 * A compiled, immutable registry: every held snapshot's names, keyed for O(labels) lookups.
 * `forView` binds it to a client; the decision order itself lives in view-lookup.ts.
 */
import type { NameLookup, NegativeSoa } from '../dns/lookup.ts'
import type { EntryRecord, NameNode, Origin, PtrOwner, ReverseZoneRecord, ZoneRecord } from './records.ts'
import { soaFor } from './found.ts'
import { ViewLookup } from './view-lookup.ts'
import type { View } from './views.ts'

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
  /** Each snapshot's Origin and the serial it gets when this registry is made current. */
  serials?: ReadonlyArray<readonly [Origin, number]>
}

export class Registry {
  readonly #soas = new Map<string, NegativeSoa>()

  constructor(readonly data: RegistryData) {
    for (const zone of data.zones.values()) this.#soas.set(zone.name, soaFor(zone.name, zone.ttl, zone.serial))
  }

  /**
   * Writes this registry's serials into its Origins, which records kept from an earlier
   * compile share (compile-cache.ts); the holder calls it as it makes the registry current.
   */
  activate(): this {
    for (const [origin, serial] of this.data.serials ?? []) origin.serial = serial
    return this
  }

  /** Whether any snapshot is held (R2.6). */
  get ready(): boolean {
    return this.data.clusters.length > 0
  }

  /** The zone `name` is at or under: its longest suffix that is a cluster domain. */
  zoneOf(name: string): string | undefined {
    const zones = this.data.zones
    if (zones.has(name)) return name
    for (let dot = name.indexOf('.'); dot >= 0; dot = name.indexOf('.', dot + 1)) {
      const suffix = name.slice(dot + 1)
      if (zones.has(suffix)) return suffix
    }
    return undefined
  }

  /** The owned reverse zone `name` is at or under (R7.5): one map lookup per label. */
  reverseZoneOf(name: string): ReverseZoneRecord | undefined {
    const zones = this.data.reverseZones
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
    const held = this.data.clusters.find((c) => c.cluster === view.cluster)
    return held?.domain ?? this.data.defaultDomain
  }

  forView(view: View): NameLookup {
    return new ViewLookup(this, view)
  }
}
