/**
 * Views declared in the cluster (docs/views.md): ConfigMaps labelled `meshdoh.dev/view=true`,
 * one per VM, holding the SHA-256 of the VM's view id and what the view says about the VM.
 * `meshdoh vm` writes them. The job publishes them in the snapshot's `views`, hashes only.
 *
 * A ConfigMap, not a CRD: nothing to install before the first VM, and the job's grant stays
 * get/list/watch. Its data is checked as strictly as MESHDOH_VIEWS is: a misspelt key would
 * otherwise widen the view silently, so an object with one is left out and logged.
 */
import type { V1ConfigMap } from '@kubernetes/client-node'
import { publishedView } from '../registry/schema.ts'
import type { SnapshotInput } from '../registry/schema.ts'
import type { Skipped } from './build.ts'

export const VIEW_LABEL = 'meshdoh.dev/view'
export const VIEW_SELECTOR = `${VIEW_LABEL}=true`

/** The data keys a view ConfigMap may hold; `idSha256` is the only one required. */
export const VIEW_KEYS = ['idSha256', 'namespace', 'cluster', 'search', 'autoAllocatedVIPs'] as const

export type ViewInput = NonNullable<SnapshotInput['views']>[number]

/** A view ConfigMap stripped to its data, or to what is wrong with it. */
export interface ViewRecord {
  /** The ConfigMap's own namespace and name, for logs. */
  namespace: string
  name: string
  view?: ViewInput
  problem?: { error: string; path: string }
}

/** `a b,c` → `["a", "b", "c"]`: resolv.conf's own separator, or commas. */
function words(text: string): string[] {
  return text.split(/[\s,]+/).filter((w) => w !== '')
}

export function toViewRecord(cm: V1ConfigMap): ViewRecord {
  const namespace = cm.metadata?.namespace ?? ''
  const record: ViewRecord = { namespace, name: cm.metadata?.name ?? '' }
  const data = cm.data ?? {}
  const unknown = Object.keys(data).find((key) => !(VIEW_KEYS as readonly string[]).includes(key))
  if (unknown !== undefined) {
    record.problem = { error: `unknown key; a view holds ${VIEW_KEYS.join(', ')}`, path: `data.${unknown}` }
    return record
  }
  const view: Record<string, unknown> = {
    idSha256: (data['idSha256'] ?? '').trim().toLowerCase(),
    namespace: data['namespace']?.trim() || namespace,
  }
  const cluster = data['cluster']?.trim()
  if (cluster) view['cluster'] = cluster
  if (data['search'] !== undefined) view['search'] = words(data['search'])
  const auto = data['autoAllocatedVIPs']?.trim().toLowerCase()
  if (auto !== undefined && auto !== '') {
    if (auto !== 'true' && auto !== 'false') {
      record.problem = { error: 'must be "true" or "false"', path: 'data.autoAllocatedVIPs' }
      return record
    }
    view['autoAllocatedVIPs'] = auto === 'true'
  }
  const checked = publishedView.safeParse(view)
  if (!checked.success) {
    const issue = checked.error.issues[0]!
    record.problem = { error: issue.message, path: `data.${issue.path.join('.')}` }
    return record
  }
  record.view = view as ViewInput
  return record
}

/**
 * The snapshot's `views`: sorted by digest, so equal clusters give equal documents. Objects
 * left out go to `skipped`: a bad one, one naming another cluster (a manifest applied to every
 * cluster is published by the one it names), and any but the first (by namespace and name) of
 * several with one digest.
 */
export function viewsOf(records: readonly ViewRecord[], cluster: string, skipped: Skipped[]): ViewInput[] {
  const byDigest = new Map<string, ViewInput>()
  const sorted = [...records].sort((a, b) =>
    a.namespace !== b.namespace ? (a.namespace < b.namespace ? -1 : 1) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0
  )
  for (const record of sorted) {
    const skip = (error: string, path: string) =>
      skipped.push({ kind: 'ConfigMap', namespace: record.namespace, name: record.name, error, path })
    const { view } = record
    if (view === undefined) {
      const problem = record.problem ?? { error: 'not a view', path: '' }
      skip(problem.error, problem.path)
    } else if (view.cluster !== undefined && view.cluster !== cluster) {
      skip(`names cluster "${view.cluster}"; this job publishes "${cluster}"`, 'data.cluster')
    } else if (byDigest.has(view.idSha256)) {
      skip('another view ConfigMap has the same idSha256', 'data.idSha256')
    } else byDigest.set(view.idSha256, view)
  }
  return [...byDigest.keys()].sort().map((digest) => byDigest.get(digest)!)
}
