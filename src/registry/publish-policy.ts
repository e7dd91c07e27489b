/**
 * What each cluster's push tokens may publish, and who sees it (docs/security model in
 * SECURITY.md). Two defences, one per way a leaked token could reach other clusters' VMs:
 *
 * - Publishing: a push for a cluster may hold only Services and ServiceEntries in the
 *   namespaces its policy allows, and ServiceEntry hosts that match its host patterns. A
 *   push with anything else is refused whole (403, the path of the first offending element).
 * - Confinement: a cluster that has a token of its own (`east-1=TOKEN`) is confined. Its
 *   names answer only views bound to it, except in the namespaces its policy declares the
 *   same across the mesh (`sameness`, after Istio's namespace sameness): there they take part
 *   in the multi-cluster rules (R17) for every view. Clusters pushed only with tokens that
 *   may push anywhere (the operator's) are not confined.
 */
import type { Snapshot } from './schema.ts'

export interface ClusterPolicy {
  /** Namespaces the cluster may publish: names, `prefix-*` or `*`. */
  namespaces: readonly string[]
  /** ServiceEntry hosts it may publish: `db.internal`, `*.example.com` (anything below), or `*`. */
  hosts: readonly string[]
  /** Namespaces whose names every view sees, whatever its cluster (R17 applies across clusters). */
  sameness: readonly string[]
}

export const OPEN_POLICY: ClusterPolicy = Object.freeze({ namespaces: ['*'], hosts: ['*'], sameness: ['*'] })

/** The policy of every cluster, and the clusters that are confined. */
export interface PublishPolicy {
  policyOf(cluster: string): ClusterPolicy
  /** Whether a view bound to `viewCluster` (or to none) may see a name of `cluster`'s in `namespace`. */
  sees(viewCluster: string | undefined, cluster: string, namespace: string): boolean
}

export function namespaceMatches(pattern: string, namespace: string): boolean {
  if (pattern === '*') return true
  return pattern.endsWith('*') ? namespace.startsWith(pattern.slice(0, -1)) : pattern === namespace
}

function normalHost(host: string): string {
  return host.toLowerCase().replace(/\.$/, '')
}

/** `*.example.com` covers every name below example.com, wildcard hosts below it included. */
export function hostMatches(pattern: string, host: string): boolean {
  const p = normalHost(pattern)
  const h = normalHost(host)
  if (p === '*') return true
  if (p.startsWith('*.')) return h.endsWith(p.slice(1))
  return p === h
}

export function makePublishPolicy(
  policies: ReadonlyMap<string, Partial<ClusterPolicy>>,
  confined: ReadonlySet<string>
): PublishPolicy {
  const resolved = new Map<string, ClusterPolicy>()
  for (const [cluster, p] of policies) {
    resolved.set(cluster, {
      namespaces: p.namespaces ?? ['*'],
      hosts: p.hosts ?? ['*'],
      sameness: p.sameness ?? (confined.has(cluster) ? [] : ['*']),
    })
  }
  const policyOf = (cluster: string): ClusterPolicy =>
    resolved.get(cluster) ?? (confined.has(cluster) ? { namespaces: ['*'], hosts: ['*'], sameness: [] } : OPEN_POLICY)
  return {
    policyOf,
    sees(viewCluster, cluster, namespace) {
      if (viewCluster === cluster || !confined.has(cluster)) return true
      return policyOf(cluster).sameness.some((pattern) => namespaceMatches(pattern, namespace))
    },
  }
}

/** Sees everything: the rules as written, for a resolver whose pushes all come from the operator. */
export const UNCONFINED: PublishPolicy = makePublishPolicy(new Map(), new Set())

export interface PolicyViolation {
  error: string
  path: string
}

/** The first element of `snapshot` that its cluster's policy does not allow, or undefined. */
export function checkPublishable(snapshot: Snapshot, policy: ClusterPolicy): PolicyViolation | undefined {
  const allowsNamespace = (ns: string) => policy.namespaces.some((p) => namespaceMatches(p, ns))
  const outside = (ns: string) => `namespace "${ns}" is outside what this cluster may publish`
  for (const [i, s] of snapshot.services.entries()) {
    if (!allowsNamespace(s.namespace)) return { error: outside(s.namespace), path: `services[${i}].namespace` }
  }
  for (const [i, e] of snapshot.serviceEntries.entries()) {
    if (!allowsNamespace(e.namespace)) return { error: outside(e.namespace), path: `serviceEntries[${i}].namespace` }
    for (const [j, host] of e.hosts.entries()) {
      if (!policy.hosts.some((p) => hostMatches(p, host))) {
        return {
          error: `host "${host}" is outside the hosts this cluster may publish`,
          path: `serviceEntries[${i}].hosts[${j}]`,
        }
      }
    }
  }
  for (const [i, ns] of (snapshot.namespaces ?? []).entries()) {
    if (!allowsNamespace(ns)) return { error: outside(ns), path: `namespaces[${i}]` }
  }
  // A view is a VM's window on names: a cluster may open one only onto its own names and
  // namespaces, or a leaked token would let it read other clusters' confined names.
  for (const [i, view] of (snapshot.views ?? []).entries()) {
    if (view.cluster !== undefined && view.cluster !== snapshot.cluster) {
      return {
        error: `a view published by cluster "${snapshot.cluster}" may bind only that cluster`,
        path: `views[${i}].cluster`,
      }
    }
    if (!allowsNamespace(view.namespace)) return { error: outside(view.namespace), path: `views[${i}].namespace` }
  }
  return undefined
}
