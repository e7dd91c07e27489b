/**
 * Turns a pushed document into a Snapshot, or names the first field that is wrong.
 * Used by the push endpoint and by the sync job before it pushes.
 */
import type { z } from 'zod'
import { API_VERSION, service, serviceEntry, snapshot, type Snapshot } from './schema.ts'

export type SnapshotProblem = { error: string; path: string }
export type ParsedSnapshot = { ok: true; snapshot: Snapshot } | ({ ok: false } & SnapshotProblem)

/** `services[3].clusterIPs[0]`: the path of an issue, as a reader would write it. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`
    else out += out === '' ? String(key) : `.${String(key)}`
  }
  return out
}

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'is required'
  return issue.message
}

/** Validates a parsed JSON value; `cluster` is the one named by the URL, when there is one. */
export function parseSnapshot(value: unknown, cluster?: string): ParsedSnapshot {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, error: 'the snapshot must be a JSON object', path: '' }
  }
  const apiVersion = (value as { apiVersion?: unknown }).apiVersion
  if (apiVersion !== API_VERSION) {
    return {
      ok: false,
      error: `unsupported apiVersion ${JSON.stringify(apiVersion ?? null)}; this build accepts ${API_VERSION}`,
      path: 'apiVersion',
    }
  }
  let result: ReturnType<typeof snapshot.safeParse>
  try {
    result = snapshot.safeParse(value)
  } catch {
    // zod collects every issue before it returns; hundreds of thousands of bad array
    // entries overflow its stack. Find the first bad entry one element at a time instead.
    return firstBadEntry(value as Record<string, unknown>)
  }
  if (!result.success) {
    const issue = firstIssue(result.error.issues)
    return { ok: false, error: describe(issue), path: formatPath(issue.path) }
  }
  const problem = checkRules(result.data, cluster)
  return problem ? { ok: false, ...problem } : { ok: true, snapshot: result.data }
}

/** The rules the schema does not state: the cluster the URL names, hostAddresses' keys, one entry per view. */
export function checkRules(parsed: Snapshot, cluster?: string): SnapshotProblem | undefined {
  if (cluster !== undefined && parsed.cluster !== cluster) {
    return { error: `cluster "${parsed.cluster}" differs from the URL's "${cluster}"`, path: 'cluster' }
  }
  for (const [i, entry] of parsed.serviceEntries.entries()) {
    for (const host of Object.keys(entry.hostAddresses ?? {})) {
      if (!/^(\*\.)?[A-Za-z0-9_.-]{1,253}$/.test(host)) {
        return { error: 'must be a host name', path: `serviceEntries[${i}].hostAddresses` }
      }
    }
  }
  // One id, one view: two entries with the same hash would leave the VM's view to chance.
  const ids = new Set<string>()
  for (const [i, view] of (parsed.views ?? []).entries()) {
    if (ids.has(view.idSha256))
      return { error: 'a view with this idSha256 is listed twice', path: `views[${i}].idSha256` }
    ids.add(view.idSha256)
  }
  return undefined
}

// zod reports issues in schema order; a reader wants the first bad field in document order,
// which for arrays means the lowest index.
function firstIssue(issues: z.core.$ZodIssue[]): z.core.$ZodIssue {
  let best = issues[0]!
  for (const issue of issues.slice(1)) if (comparePaths(issue.path, best.path) < 0) best = issue
  return best
}

function comparePaths(a: readonly PropertyKey[], b: readonly PropertyKey[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]
    const y = b[i]
    if (typeof x === 'number' && typeof y === 'number' && x !== y) return x - y
    if (x !== y) return 0
  }
  return 0
}

function firstBadEntry(value: Record<string, unknown>): { ok: false } & SnapshotProblem {
  for (const [key, schema] of [
    ['services', service],
    ['serviceEntries', serviceEntry],
  ] as const) {
    const list = value[key]
    if (!Array.isArray(list)) continue
    for (let i = 0; i < list.length; i++) {
      try {
        const entry = schema.safeParse(list[i])
        if (!entry.success) {
          const issue = firstIssue(entry.error.issues)
          return { ok: false, error: describe(issue), path: formatPath([key, i, ...issue.path]) }
        }
      } catch {
        return { ok: false, error: 'too many invalid entries', path: `${key}[${i}]` }
      }
    }
  }
  return { ok: false, error: 'too many invalid entries', path: '' }
}
