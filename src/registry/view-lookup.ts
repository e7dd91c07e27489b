/**
 * The decision order of R2.2 for one view: zones first, then ServiceEntry hosts outside them,
 * aliases (R15), the search-domain shortcut (R16) and reverse names (R7). Every step is a
 * constant number of map lookups per label of the question: no scan over services.
 */
import type { Found, Lookup, NameLookup, NegativeSoa } from '../dns/lookup.ts'
import { isAtOrBelow } from '../dns/names.ts'
import { addressFound, apexFound, cnameFound, emptyFound, schemaVersionFound, soaFor, srvFound } from './found.ts'
import { MixedNode, endpointsAt, entriesAt, servicesAt, type NameNode } from './records.ts'
import type { RegistryReader } from './registry-index.ts'
import { reverseLookup } from './reverse-lookup.ts'
import { ViewPicker, type PickedService } from './view-pick.ts'
import type { View } from './views.ts'

const NOT_OWNED: Lookup = Object.freeze({ kind: 'not-owned' })
const NOT_READY: Lookup = Object.freeze({ kind: 'not-ready' })

function parentOf(name: string): string | undefined {
  const dot = name.indexOf('.')
  return dot < 0 ? undefined : name.slice(dot + 1)
}

export class ViewLookup implements NameLookup {
  private readonly pick: ViewPicker

  constructor(
    private readonly registry: RegistryReader,
    private readonly view: View
  ) {
    this.pick = new ViewPicker(view)
  }

  lookup(name: string): Lookup {
    return this.find(name, true)
  }

  private find(name: string, withSearch: boolean): Lookup {
    const registry = this.registry
    if (!registry.ready) return isAtOrBelow(name, registry.index.defaultDomain) ? NOT_READY : NOT_OWNED
    const zone = registry.zoneOf(name)
    if (zone !== undefined) {
      const found = this.inZone(name, zone) ?? (withSearch ? this.searchShortcut(name) : undefined)
      return found ?? { kind: 'nxdomain', soa: registry.soa(zone) }
    }
    return (
      this.host(name) ??
      this.wildcard(name, undefined) ??
      this.alias(name) ??
      (withSearch ? this.searchShortcut(name) : undefined) ??
      reverseLookup(registry, this.pick, name) ??
      NOT_OWNED
    )
  }

  // R2.2 step 1: everything at or under a zone.
  private inZone(name: string, zone: string): Found | undefined {
    const soa = this.registry.soa(zone)
    const node = this.registry.index.node(name)
    return (node && this.fromNode(node, name, zone, soa)) ?? this.srv(name, soa) ?? this.wildcard(name, soa)
  }

  private fromNode(node: NameNode, name: string, zone: string, soa: NegativeSoa): Found | undefined {
    const choice = this.pick.choose(node)
    if (choice?.kind === 'service') return this.serviceFound(choice.service, soa)
    if (choice?.kind === 'entries') return addressFound(choice.entries.addresses, choice.entries.ttl, soa)
    if (choice?.kind === 'endpoint') return addressFound(choice.endpoint.addresses, choice.endpoint.ttl, soa)
    const mixed = node instanceof MixedNode ? node : undefined
    if (mixed?.schemaVersion) return schemaVersionFound(soa)
    if (name === zone) return apexFound(soa, this.registry.index.zones.get(zone)!.ttl)
    if (mixed?.always) return emptyFound(soa)
    if (mixed?.below && this.pick.visible(mixed.below)) return emptyFound(soa)
    return undefined
  }

  private serviceFound(service: PickedService, soa: NegativeSoa | undefined): Found {
    const { record } = service
    if (record.kind === 'external') return cnameFound(record.externalName!, record.ttl, soa)
    return addressFound(service.addresses, service.ttl, soa, { ports: record.ports, targets: service.targets })
  }

  /** R6: `_<port>._<proto>.<svc>...` and the empty non-terminal `_<proto>.<svc>...` (R10.3). */
  private srv(name: string, soa: NegativeSoa): Found | undefined {
    if (name[0] !== '_') return undefined
    const first = name.indexOf('.')
    const rest = name.slice(first + 1)
    const label = name.slice(1, first)
    if (rest[0] === '_') {
      const second = rest.indexOf('.')
      const protocol = rest.slice(1, second)
      const service = this.pick.service(servicesAt(this.registry.index.node(rest.slice(second + 1))))
      if (!service || service.record.kind === 'external') return undefined
      const ports = service.record.ports.filter((p) => p.name !== '' && p.name === label && p.protocol === protocol)
      return ports.length > 0 ? srvFound(ports, service.targets, service.ttl, soa) : undefined
    }
    const service = this.pick.service(servicesAt(this.registry.index.node(rest)))
    if (!service || service.record.kind === 'external') return undefined
    return service.record.ports.some((p) => p.name !== '' && p.protocol === label) ? emptyFound(soa) : undefined
  }

  /** R14: the most specific visible wildcard host that covers `name`. */
  private wildcard(name: string, zoneSoa: NegativeSoa | undefined): Found | undefined {
    const index = this.registry.index
    if (!index.hasWildcards) return undefined
    for (let suffix = parentOf(name); suffix !== undefined; suffix = parentOf(suffix)) {
      const entries = this.pick.entries(index.wildcard(suffix))
      // R10.2: outside a zone, the SOA is owned by the name the answer is synthesised for.
      if (entries)
        return addressFound(entries.addresses, entries.ttl, zoneSoa ?? soaFor(name, entries.ttl, entries.serial))
    }
    return undefined
  }

  // R2.2 step 2: a ServiceEntry host outside every zone; its SOA is its own (R10.2).
  private host(name: string): Found | undefined {
    const entries = this.pick.entries(entriesAt(this.registry.index.node(name)))
    return entries && addressFound(entries.addresses, entries.ttl, soaFor(name, entries.ttl, entries.serial))
  }

  /** R15: `<name>.<ns>.`, `<name>.<ns>.svc.` and, in the view's namespace, `<name>.`. */
  private alias(name: string): Found | undefined {
    const domain = this.registry.domainOf(this.view)
    if (name === '' || !this.registry.index.zones.has(domain)) return undefined
    const candidates: string[] = []
    if (name.endsWith('.svc')) candidates.push(`${name}.${domain}`)
    else {
      const labels = name.split('.').length
      if (labels === 2 || labels === 3) candidates.push(`${name}.svc.${domain}`)
      if (this.view.namespace !== undefined && labels <= 2)
        candidates.push(`${name}.${this.view.namespace}.svc.${domain}`)
    }
    for (const fqdn of candidates) {
      const node = this.registry.index.node(fqdn)
      if (node === undefined) continue
      // R15.4: ExternalName services and ServiceEntry hosts get no aliases.
      const service = this.pick.service(servicesAt(node))
      if (service && service.record.kind !== 'external') {
        return this.serviceFound(service, soaFor(name, service.ttl, service.record.serial))
      }
      const endpoint = this.pick.endpoint(endpointsAt(node), true)
      if (endpoint) return addressFound(endpoint.addresses, endpoint.ttl, soaFor(name, endpoint.ttl, endpoint.serial))
    }
    return undefined
  }

  /** R16: `<h>.<search[0]>` answers `CNAME <h>` when h is a name this view gets answers for. */
  private searchShortcut(name: string): Found | undefined {
    const search = this.view.search[0]
    if (search === undefined || !name.endsWith(`.${search}`)) return undefined
    const target = name.slice(0, -(search.length + 1))
    if (isAtOrBelow(target, search)) return undefined
    const found = this.find(target, false)
    // An ExternalName FQDN is a name meshdoh answers too: its CNAME follows this one (R5.3).
    if (found.kind !== 'found' || found.nonTerminal) return undefined
    return cnameFound(target, found.ttl, found.soa)
  }
}
