/**
 * The state behind the fake API server (k8s-api.ts): objects per resource, one cluster-wide
 * resourceVersion counter that every write bumps (etcd's revision), and an event history that
 * watches replay from a resourceVersion until it is compacted away.
 */
import { randomUUID } from 'node:crypto'

export interface ResourceType {
  group: string
  version: string
  plural: string
  kind: string
  namespaced: boolean
  /** Custom resources carry apiVersion/kind on each list item; built-in types do not. */
  custom: boolean
}

const core = (plural: string, kind: string, namespaced = true): ResourceType => ({
  group: '',
  version: 'v1',
  plural,
  kind,
  namespaced,
  custom: false,
})
const istio = (plural: string, kind: string): ResourceType => ({
  group: 'networking.istio.io',
  version: 'v1',
  plural,
  kind,
  namespaced: true,
  custom: true,
})

export const RESOURCES: readonly ResourceType[] = [
  core('services', 'Service'),
  core('namespaces', 'Namespace', false),
  core('configmaps', 'ConfigMap'),
  {
    group: 'discovery.k8s.io',
    version: 'v1',
    plural: 'endpointslices',
    kind: 'EndpointSlice',
    namespaced: true,
    custom: false,
  },
  istio('serviceentries', 'ServiceEntry'),
  istio('workloadentries', 'WorkloadEntry'),
]

export type Plural = 'services' | 'namespaces' | 'configmaps' | 'endpointslices' | 'serviceentries' | 'workloadentries'

export interface ObjectMeta {
  name: string
  namespace?: string
  uid?: string
  resourceVersion?: string
  creationTimestamp?: string
  generation?: number
  labels?: Record<string, string>
  annotations?: Record<string, string>
  [key: string]: unknown
}

export interface KubeObject {
  apiVersion: string
  kind: string
  metadata: ObjectMeta
  [key: string]: unknown
}

export interface StoredEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED'
  rv: number
  object: KubeObject
  /** The object before a MODIFIED event: a watch with a selector needs both sides. */
  previous?: KubeObject
}

const keyOf = (m: { namespace?: string; name: string }) => `${m.namespace ?? ''}/${m.name}`
const copy = <T>(value: T): T => structuredClone(value)

export class FakeStore {
  #rv = 1000
  #compacted = 0
  readonly #objects = new Map<Plural, Map<string, KubeObject>>()
  readonly #history = new Map<Plural, StoredEvent[]>()
  readonly #listeners = new Set<(plural: Plural, event: StoredEvent) => void>()

  get resourceVersion(): number {
    return this.#rv
  }

  /** Events at or below this resourceVersion are gone: a watch from there gets 410. */
  get compacted(): number {
    return this.#compacted
  }

  /**
   * The stored objects themselves, sorted, not copies: an object is never changed once stored
   * (apply and delete store new ones), so a list can hand them out as the API server's watch
   * cache does. Copying 10k objects per list made the benchmark's API server the bottleneck.
   */
  list(plural: Plural): readonly KubeObject[] {
    const objects = [...(this.#objects.get(plural)?.values() ?? [])]
    return objects.sort((a, b) => (keyOf(a.metadata) < keyOf(b.metadata) ? -1 : 1))
  }

  get(plural: Plural, namespace: string | undefined, name: string): KubeObject | undefined {
    const obj = this.#objects.get(plural)?.get(keyOf({ namespace, name }))
    return obj && copy(obj)
  }

  /** Creates or replaces an object, as `kubectl apply` would; returns it as stored. */
  apply(plural: Plural, input: KubeObject): KubeObject {
    const objects = this.#objects.get(plural) ?? new Map<string, KubeObject>()
    this.#objects.set(plural, objects)
    const key = keyOf(input.metadata)
    const previous = objects.get(key)
    const obj = copy(input)
    obj.metadata.resourceVersion = String(++this.#rv)
    obj.metadata.uid = previous?.metadata.uid ?? randomUUID()
    obj.metadata.creationTimestamp =
      previous?.metadata.creationTimestamp ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z')
    if (RESOURCES.find((r) => r.plural === plural)?.custom) {
      obj.metadata.generation = (previous?.metadata.generation ?? 0) + 1
    }
    objects.set(key, obj)
    const event: StoredEvent = previous
      ? { type: 'MODIFIED', rv: this.#rv, object: copy(obj), previous: copy(previous) }
      : { type: 'ADDED', rv: this.#rv, object: copy(obj) }
    this.#record(plural, event)
    return copy(obj)
  }

  delete(plural: Plural, namespace: string | undefined, name: string): boolean {
    const objects = this.#objects.get(plural)
    const obj = objects?.get(keyOf({ namespace, name }))
    if (!objects || !obj) return false
    objects.delete(keyOf(obj.metadata))
    // The DELETED event carries the object's last state at the deletion's resourceVersion.
    const last = copy(obj)
    last.metadata.resourceVersion = String(++this.#rv)
    this.#record(plural, { type: 'DELETED', rv: this.#rv, object: last })
    return true
  }

  /** Forgets the history so far, like etcd compaction: older resourceVersions answer 410 Gone. */
  compact(): void {
    this.#compacted = this.#rv
    this.#history.clear()
  }

  /** Events after `rv`, oldest first. */
  since(plural: Plural, rv: number): StoredEvent[] {
    return (this.#history.get(plural) ?? []).filter((e) => e.rv > rv)
  }

  subscribe(listener: (plural: Plural, event: StoredEvent) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  #record(plural: Plural, event: StoredEvent): void {
    const history = this.#history.get(plural) ?? []
    history.push(event)
    this.#history.set(plural, history)
    for (const listener of this.#listeners) listener(plural, event)
  }
}

/**
 * Label selectors as the API server reads them: `k`, `!k`, `k=v`, `k==v`, `k!=v`,
 * `k in (a,b)`, `k notin (a,b)`, joined by commas.
 */
export function matchesLabels(selector: string | null, labels: Record<string, string> = {}): boolean {
  if (!selector) return true
  const terms = selector.match(/[^,(]+(\([^)]*\))?/g) ?? []
  return terms.every((raw) => {
    const term = raw.trim()
    let m: RegExpExecArray | null
    if ((m = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term))) {
      const values = m[3]!.split(',').map((v) => v.trim())
      const has = m[1]! in labels && values.includes(labels[m[1]!]!)
      return m[2] === 'in' ? has : !has
    }
    if ((m = /^([^!=]+)!=(.*)$/.exec(term))) return labels[m[1]!.trim()] !== m[2]!.trim()
    if ((m = /^([^!=]+)==?(.*)$/.exec(term))) return labels[m[1]!.trim()] === m[2]!.trim()
    if (term.startsWith('!')) return !(term.slice(1) in labels)
    return term in labels
  })
}

/** Field selectors: `metadata.name` and `metadata.namespace`, with `=`, `==` or `!=`. */
export function matchesFields(selector: string | null, obj: KubeObject): boolean {
  if (!selector) return true
  return selector.split(',').every((term) => {
    const m = /^([^!=]+)(!=|==|=)(.*)$/.exec(term.trim())
    if (!m) return false
    const field =
      m[1] === 'metadata.name' ? obj.metadata.name : m[1] === 'metadata.namespace' ? obj.metadata.namespace : undefined
    return m[2] === '!=' ? field !== m[3] : field === m[3]
  })
}
