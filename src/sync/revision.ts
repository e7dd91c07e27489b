/**
 * Revisions only grow, across restarts too, without any state on disk: a revision is the push
 * time in milliseconds since the epoch, or the previous revision + 1 when that is larger
 * (two pushes within one millisecond, or a clock stepped back). A restarted job therefore starts
 * above everything its predecessor pushed unless the clock went back further than the pushes
 * it made; a 409 then says where the resolver stands and the next revision moves past it.
 * 2^53−1 ms is the year 287396, so the schema's bound is never reached.
 */
import type { SnapshotInput } from '../registry/schema.ts'
import type { SnapshotContent } from './build.ts'

/** The next revision after `last` (0: none yet) at wall-clock time `nowMs`. */
export function nextRevision(last: number, nowMs: number): number {
  return Math.max(last + 1, Math.floor(nowMs))
}

/** RFC 3339 at second precision, as in docs/snapshot-format.md's example. */
export function stampTime(generatedAt: Date): string {
  return generatedAt.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** The full document: content plus the two fields stamped at push time, in the contract's order. */
export function stampSnapshot(content: SnapshotContent, revision: number, generatedAt: Date): SnapshotInput {
  const { apiVersion, kind, cluster, ...rest } = content
  return { apiVersion, kind, cluster, revision, generatedAt: stampTime(generatedAt), ...rest }
}
