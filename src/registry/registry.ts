/**
 * An immutable registry: every held snapshot's names, read through `RegistryIndex` in
 * O(labels) per lookup. The index is the packed one (packed.ts), loaded from the blob each
 * push produces; `forView` binds it to a client; the decision order lives in view-lookup.ts.
 */
import type { NameLookup, NegativeSoa } from '../dns/lookup.ts'
import type { ReverseZoneRecord } from './records.ts'
import type { RegistryIndex, RegistryReader } from './registry-index.ts'
import { soaFor } from './found.ts'
import { PublishedViews } from './published-views.ts'
import { ViewLookup } from './view-lookup.ts'
import type { View } from './views.ts'

export class Registry implements RegistryReader {
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
