/**
 * The compiler's own maps read as an index: the reference the packed index is compared with
 * (test/registry/differential.test.ts). It reads exactly what pack.ts writes from.
 */
import { formatIp } from '../../src/dns/ip.ts'
import type { EntryRecord, NameNode, PtrOwner } from '../../src/registry/records.ts'
import type { RegistryData, RegistryIndex } from '../../src/registry/registry-index.ts'

export class MapIndex implements RegistryIndex {
  constructor(readonly data: RegistryData) {}

  node(name: string): NameNode | undefined {
    return this.data.names.get(name)
  }

  wildcard(suffix: string): EntryRecord | readonly EntryRecord[] | undefined {
    return this.data.wildcards.get(suffix)
  }

  get hasWildcards(): boolean {
    return this.data.wildcards.size > 0
  }

  ptr(address: Uint8Array): PtrOwner | readonly PtrOwner[] | undefined {
    return this.data.ptrs.get(formatIp(address))
  }

  get zones() {
    return this.data.zones
  }

  get reverseZones() {
    return this.data.reverseZones
  }

  get defaultDomain() {
    return this.data.defaultDomain
  }

  get clusters() {
    return this.data.clusters
  }
}
