/**
 * What a holder keeps from one compile to the next, so that a push which changed a few
 * elements recompiles only those. Revalidation (revalidate.ts) hands the compile the previous
 * push's element objects for every unchanged element; their records, built once, are looked up
 * here by that object and put into the new index as they are. At 10k Services that skips most
 * of the compile's allocations: building records, their address lists and port lists.
 *
 * A record reads its cluster, ttl and serial from its `Origin`. Records carried over must see
 * the new revision's serial, so each cluster keeps one Origin while its domain and ttl stay the
 * same, and the serial is written into it when the holder makes the new registry current
 * (`Registry.activate`), in the same synchronous step. A lookup runs to its records without
 * awaiting, so it never pairs the old index with the new serial; only an answer that waits on
 * the upstream between lookups (a CNAME chased out of the mesh) can, and then all it carries
 * is the newer SOA serial.
 */
import { Origin, type EndpointRecord, type EntryRecord, type ServiceRecord } from './records.ts'
import type { Service, ServiceEntry } from './schema.ts'

export interface CachedService {
  origin: Origin
  record: ServiceRecord
  /** A headless service's endpoint records, in the order they were put. */
  endpoints: readonly EndpointRecord[]
}

export interface CachedEntry {
  origin: Origin
  /** One record per host, in the order of `hosts`. */
  records: readonly EntryRecord[]
}

export class CompileCache {
  readonly #origins = new Map<string, Origin>()
  readonly services = new WeakMap<Service, CachedService>()
  readonly entries = new WeakMap<ServiceEntry, CachedEntry>()

  /** The cluster's Origin, the same object while its domain and ttl do not change. */
  origin(cluster: string, domain: string, ttl: number): Origin {
    const held = this.#origins.get(cluster)
    if (held !== undefined && held.domain === domain && held.ttl === ttl) return held
    const origin = new Origin(cluster, domain, ttl, 0)
    this.#origins.set(cluster, origin)
    return origin
  }
}
