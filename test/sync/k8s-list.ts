/**
 * Lists for the fake API server: selectors, `limit` + `continue` pagination over a consistent
 * view (the items as they were at the first page), and 410 Expired for a continue token older
 * than the last compaction, as the API server answers.
 */
import { matchesFields, matchesLabels, type FakeStore, type KubeObject, type ResourceType } from './k8s-store.ts'

export interface Status {
  kind: 'Status'
  apiVersion: 'v1'
  metadata: Record<string, never>
  status: 'Failure'
  message: string
  reason: string
  code: number
}

export function status(code: number, reason: string, message: string): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }
}

export function apiVersionOf(type: ResourceType): string {
  return type.group === '' ? type.version : `${type.group}/${type.version}`
}

/** A custom resource as served at the route's version (the CRD's conversion is the identity here). */
export function atVersion(type: ResourceType, obj: KubeObject): KubeObject {
  return type.custom ? { ...obj, apiVersion: apiVersionOf(type) } : obj
}

export function selects(route: { namespace?: string }, params: URLSearchParams): (obj: KubeObject) => boolean {
  const labels = params.get('labelSelector')
  const fields = params.get('fieldSelector')
  return (obj) =>
    (route.namespace === undefined || obj.metadata.namespace === route.namespace) &&
    matchesLabels(labels, obj.metadata.labels) &&
    matchesFields(fields, obj)
}

interface Token {
  id: number
  offset: number
  compacted: number
}

// The remaining items of each paginated list, kept the way the API server reads a list at one
// etcd revision; keyed per store so that servers of different tests never mix.
const views = new WeakMap<FakeStore, Map<number, { rv: number; items: KubeObject[] }>>()
let nextId = 1

export function listResponse(
  store: FakeStore,
  route: { type: ResourceType; namespace?: string },
  params: URLSearchParams
): [number, unknown] {
  const held = views.get(store) ?? new Map<number, { rv: number; items: KubeObject[] }>()
  views.set(store, held)
  const limit = Number(params.get('limit') ?? 0)
  const cont = params.get('continue')
  let view: { rv: number; items: KubeObject[] }
  let offset = 0
  let id: number
  if (cont) {
    const token = JSON.parse(Buffer.from(cont, 'base64url').toString()) as Token
    const found = held.get(token.id)
    if (!found || token.compacted !== store.compacted) {
      const message = 'The provided continue parameter is too old to display a consistent list result.'
      return [410, status(410, 'Expired', message)]
    }
    ;[view, offset, id] = [found, token.offset, token.id]
  } else {
    view = { rv: store.resourceVersion, items: store.list(route.type.plural as never).filter(selects(route, params)) }
    id = nextId++
  }
  const end = limit > 0 ? Math.min(offset + limit, view.items.length) : view.items.length
  const metadata: Record<string, unknown> = { resourceVersion: String(view.rv) }
  if (end < view.items.length) {
    held.set(id, view)
    metadata['continue'] = Buffer.from(JSON.stringify({ id, offset: end, compacted: store.compacted })).toString(
      'base64url'
    )
    metadata['remainingItemCount'] = view.items.length - end
  } else held.delete(id)
  // Items of built-in types come without apiVersion/kind; custom resources keep theirs, at the version asked for.
  const items = view.items.slice(offset, end).map((obj) => {
    if (route.type.custom) return atVersion(route.type, obj)
    const { apiVersion: _a, kind: _k, ...rest } = obj
    return rest
  })
  return [200, { kind: `${route.type.kind}List`, apiVersion: apiVersionOf(route.type), metadata, items }]
}
