/**
 * Prometheus metrics for the Node server (prom-client), fed by the app's events. Labels are
 * bounded: query types outside a fixed list count as "other" (a client picks the qtype), and
 * a view is labelled by a short hash of its id, never the id: view ids are secrets (docs/views.md).
 */
import { createHash } from 'node:crypto'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { typeName } from '../dns/types.ts'
import type { AppEvents } from '../http/resolver.ts'
import type { SnapshotStore } from '../store/store.ts'

const RCODES: Record<number, string> = {
  0: 'NOERROR',
  1: 'FORMERR',
  2: 'SERVFAIL',
  3: 'NXDOMAIN',
  4: 'NOTIMP',
  5: 'REFUSED',
  16: 'BADVERS',
}

/** The label of a view: `anonymous`, or the first 8 hex digits of SHA-256(id). */
export function viewLabel(id: string): string {
  return id === '' ? 'anonymous' : createHash('sha256').update(id).digest('hex').slice(0, 8)
}

export interface NodeMetrics {
  registry: Registry
  events: Required<AppEvents>
  /** The exposition, for `GET /metrics`. */
  respond(): Promise<Response>
}

export function createMetrics(store: SnapshotStore, now: () => number = Date.now): NodeMetrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const labels = new Map<string, string>()
  // Queries are counted in plain maps, by view label and (rcode, type) as one number, and added
  // to the counter when /metrics is read: prom-client's labelled inc() hashes its labels on
  // every call, 2-3% of a cached answer's CPU on Node.
  const pending = new Map<string, Map<number, number>>()
  new Counter({
    name: 'meshdoh_dns_queries_total',
    help: 'DNS questions answered, by response code, query type and view (hashed id)',
    labelNames: ['rcode', 'type', 'view'] as const,
    registers: [registry],
    collect() {
      for (const [view, counts] of pending) {
        for (const [key, n] of counts) {
          const rcode = key >>> 16
          const type = key & 0xffff
          this.inc({ rcode: RCODES[rcode] ?? String(rcode), type: typeName(type) ?? 'other', view }, n)
        }
      }
      pending.clear()
    },
  })
  const latency = new Histogram({
    name: 'meshdoh_dns_query_duration_seconds',
    help: 'Time to answer one DNS question, upstream included',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  })
  const pushes = new Counter({
    name: 'meshdoh_snapshot_pushes_total',
    help: 'Snapshot pushes, by outcome (accepted, invalid, unauthorized, stale, too-large, unsupported)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  })
  const errors = new Counter({
    name: 'meshdoh_errors_total',
    help: 'Internal errors (answered SERVFAIL or 500)',
    registers: [registry],
  })
  const perCluster = (
    name: string,
    help: string,
    value: (s: { revision: number; generatedAt: string; names: number }) => number
  ) =>
    new Gauge({
      name,
      help,
      labelNames: ['cluster'] as const,
      registers: [registry],
      // Read at scrape time from the store, so a deleted cluster disappears from the output.
      async collect() {
        this.reset()
        for (const summary of await store.list()) this.set({ cluster: summary.cluster }, value(summary))
      },
    })
  perCluster('meshdoh_snapshot_revision', 'Revision of the held snapshot', (s) => s.revision)
  perCluster(
    'meshdoh_snapshot_age_seconds',
    'Seconds since the held snapshot was generated',
    (s) => (now() - Date.parse(s.generatedAt)) / 1000
  )
  perCluster('meshdoh_snapshot_names', 'Names the held snapshot publishes', (s) => s.names)

  const events: Required<AppEvents> = {
    query({ view, type, rcode, seconds }) {
      let label = labels.get(view.id)
      if (label === undefined) labels.set(view.id, (label = viewLabel(view.id)))
      let counts = pending.get(label)
      if (counts === undefined) pending.set(label, (counts = new Map()))
      const key = ((rcode & 0xffff) << 16) | (type & 0xffff)
      counts.set(key, (counts.get(key) ?? 0) + 1)
      latency.observe(seconds)
    },
    push({ outcome }) {
      pushes.inc({ outcome })
    },
    error() {
      errors.inc()
    },
  }
  return {
    registry,
    events,
    async respond() {
      return new Response(await registry.metrics(), {
        headers: { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' },
      })
    },
  }
}
