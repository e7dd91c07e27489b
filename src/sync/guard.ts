/**
 * The shrink guard: an RBAC mistake or a broken watch looks like a cluster that lost most of
 * its names, and pushing that would wipe every VM's DNS. A snapshot that drops more than
 * `maxShrink` of the names of the last accepted one is refused until someone says otherwise
 * (`--max-shrink 1`) or the cluster grows back.
 */
import type { SnapshotContent } from './build.ts'

/**
 * The names a snapshot publishes, as the guard and the names gauge count them: one per
 * service, one per headless endpoint hostname, one per ServiceEntry host.
 */
export function snapshotNames(content: SnapshotContent): Set<string> {
  const names = new Set<string>()
  for (const svc of content.services ?? []) {
    const base = `${svc.name}.${svc.namespace}.svc`
    names.add(base)
    for (const ep of svc.endpoints ?? []) if (ep.hostname) names.add(`${ep.hostname}.${base}`)
  }
  for (const se of content.serviceEntries ?? []) for (const host of se.hosts) names.add(host.toLowerCase())
  return names
}

export type GuardVerdict = { ok: true } | { ok: false; dropped: number; baseline: number; share: number }

export class ShrinkGuard {
  #baseline: Set<string> | undefined
  constructor(private readonly maxShrink: number) {}

  /** Whether `names` may replace the baseline; the first snapshot of a run has none to compare with. */
  check(names: ReadonlySet<string>): GuardVerdict {
    const baseline = this.#baseline
    if (baseline === undefined || baseline.size === 0 || this.maxShrink >= 1) return { ok: true }
    let dropped = 0
    for (const name of baseline) if (!names.has(name)) dropped++
    const share = dropped / baseline.size
    return share > this.maxShrink ? { ok: false, dropped, baseline: baseline.size, share } : { ok: true }
  }

  /** Makes `names` the baseline: called for every snapshot handed to the targets. */
  accept(names: Set<string>): void {
    this.#baseline = names
  }
}
