import bookinfo from '../fixtures/bookinfo.snapshot.json'

export type SnapshotDoc = Record<string, unknown>

/** A fresh copy of the bookinfo snapshot, with any top-level fields replaced. */
export function bookinfoSnapshot(overrides: SnapshotDoc = {}): SnapshotDoc {
  return { ...structuredClone(bookinfo as SnapshotDoc), ...overrides }
}
