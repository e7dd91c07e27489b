/**
 * Optional sources (Istio's CRDs, the mesh config) the job goes on without: absent (404, or the
 * API group not served) or forbidden (403, say with the istio-system Role dropped). Each one is
 * said once in the log, kept in meshdoh_sync_source_unavailable, and listed in /readyz, so a
 * cluster without Istio gets its snapshot and the operator still sees what is left out.
 */
import type { Logger } from 'pino'
import type { SyncMetrics } from './metrics.ts'

export type UnavailableReason = 'absent' | 'forbidden'

export interface Unavailable {
  reason: UnavailableReason
  /** What RBAC must grant for the source to be read. */
  permission: string
  /** The API server's own words (a Status message), when it gave any. */
  message?: string
  /** The note logged when the source does not exist; sources sharing one note log it once per run. */
  absentNote: string
}

export class Availability {
  readonly #current = new Map<string, Unavailable>()
  readonly #notesLogged = new Set<string>()

  constructor(
    private readonly metrics: SyncMetrics,
    private readonly log: Logger
  ) {}

  /** Records that `source` is unavailable (`state` set) or readable again (`state` undefined). */
  note(source: string, state: Unavailable | undefined): void {
    const before = this.#current.get(source)
    if (state === undefined) {
      if (before === undefined) return
      this.#current.delete(source)
      this.metrics.sourceUnavailable.set({ source, reason: before.reason }, 0)
      this.log.info({ source }, `${source}: readable again, publishing it from now on`)
      return
    }
    if (before?.reason === state.reason) return
    if (before) this.metrics.sourceUnavailable.set({ source, reason: before.reason }, 0)
    this.#current.set(source, state)
    this.metrics.sourceUnavailable.set({ source, reason: state.reason }, 1)
    if (state.reason === 'forbidden') {
      const { permission, message } = state
      this.log.warn(
        { source, reason: state.reason, permission, err: message },
        `${source}: forbidden (403), going on without it; grant ${permission} to publish it`
      )
    } else if (!this.#notesLogged.has(state.absentNote)) {
      // A missing API group hides all its resources at once: one note, however many there are.
      this.#notesLogged.add(state.absentNote)
      this.log.info({ source, reason: state.reason }, state.absentNote)
    }
  }

  /** One line per unavailable source, for /readyz. */
  detail(): string[] {
    return [...this.#current]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([source, u]) =>
        u.reason === 'forbidden' ? `${source}: forbidden (needs ${u.permission})` : `${source}: absent`
      )
  }
}
