/**
 * The job's Prometheus metrics, in a registry of their own (several jobs can live in one
 * process, as in the tests). Names follow the Prometheus naming guide: unit suffixes, `_total`.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'

export type PushOutcome =
  'accepted' | 'conflict' | 'mismatch' | 'unsupported' | 'rejected' | 'unauthorized' | 'error' | 'invalid'
/** Why a push carried the whole snapshot rather than a delta (target.ts). */
export type WholeReason = 'first' | 'conflict' | 'mismatch' | 'refused' | 'unsupported' | 'disagree' | 'fields' | 'size'
export type RestartReason = 'closed' | 'gone' | 'timeout' | 'error'

export class SyncMetrics {
  readonly registry = new Registry()
  readonly pushes = new Counter({
    name: 'meshdoh_sync_pushes_total',
    help: 'Pushes (whole or delta) by target and outcome (accepted, conflict, mismatch, unsupported, rejected, unauthorized, error, invalid)',
    labelNames: ['target', 'outcome'] as const,
    registers: [this.registry],
  })
  readonly wholePushes = new Counter({
    name: 'meshdoh_sync_whole_pushes_total',
    help: 'Pushes sent as a whole snapshot (PUT) instead of a delta, by target and reason (first, conflict, mismatch, refused, unsupported, disagree, fields, size)',
    labelNames: ['target', 'reason'] as const,
    registers: [this.registry],
  })
  readonly pushBytes = new Counter({
    name: 'meshdoh_sync_push_bytes_total',
    help: 'Request body bytes sent (as on the wire, compressed when gzipped), by target and method (PUT, PATCH)',
    labelNames: ['target', 'method'] as const,
    registers: [this.registry],
  })
  readonly lastSuccess = new Gauge({
    name: 'meshdoh_sync_last_success_timestamp_seconds',
    help: 'Unix time of the last snapshot a target accepted',
    labelNames: ['target'] as const,
    registers: [this.registry],
  })
  readonly revision = new Gauge({
    name: 'meshdoh_sync_revision',
    help: 'Revision of the last snapshot a target accepted',
    labelNames: ['target'] as const,
    registers: [this.registry],
  })
  readonly names = new Gauge({
    name: 'meshdoh_sync_snapshot_names',
    help: 'Names in the last snapshot built (services, headless endpoint hostnames, ServiceEntry hosts)',
    registers: [this.registry],
  })
  readonly skipped = new Gauge({
    name: 'meshdoh_sync_skipped_objects',
    help: 'Objects left out of the last snapshot because the schema refuses them',
    registers: [this.registry],
  })
  readonly shrinkRefusals = new Counter({
    name: 'meshdoh_sync_shrink_refusals_total',
    help: 'Snapshots the shrink guard refused to push',
    registers: [this.registry],
  })
  readonly watchRestarts = new Counter({
    name: 'meshdoh_sync_watch_restarts_total',
    help: 'Watch streams reopened, by resource and reason (closed, gone, timeout, error)',
    labelNames: ['resource', 'reason'] as const,
    registers: [this.registry],
  })
  readonly sourceUnavailable = new Gauge({
    name: 'meshdoh_sync_source_unavailable',
    help: 'An optional source the job goes on without (1), by source and reason (absent, forbidden)',
    labelNames: ['source', 'reason'] as const,
    registers: [this.registry],
  })
  readonly ready = new Gauge({
    name: 'meshdoh_sync_ready',
    help: '1 once every informer finished its initial list',
    registers: [this.registry],
  })

  /** Adds the process metrics (CPU, memory, event loop lag): for the CLI, not for tests. */
  withProcessMetrics(): this {
    collectDefaultMetrics({ register: this.registry })
    return this
  }
}

/** The target label: scheme, host and path only, never credentials or a query string. */
export function targetLabel(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`
}
