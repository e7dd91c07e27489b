/**
 * The names a benchmark asks for: distinct, a fixed share present (visible to the empty view
 * of `/dns-query`) and the rest NXDOMAIN under the cluster domain. Deterministic per seed.
 */
import type { SnapshotInput } from '../src/registry/schema.ts'
import { prng } from './synthetic.ts'

export interface QueryName {
  name: string
  present: boolean
}

/** Shares of the present names, by kind; the pools are drawn from without repetition. */
const MIX = [
  ['cluster-ip', 0.6],
  ['headless', 0.15],
  ['endpoint', 0.1],
  ['entry', 0.15],
] as const
type Kind = (typeof MIX)[number][0]

function visibleToAll(exportTo: readonly string[] | undefined): boolean {
  return exportTo === undefined || exportTo.length === 0 || exportTo.includes('*')
}

/** Every name of the snapshot the empty view can resolve to addresses, by kind. */
export function presentPools(snapshot: SnapshotInput): Record<Kind, string[]> {
  const domain = snapshot.clusterDomain ?? 'cluster.local'
  const pools: Record<Kind, string[]> = { 'cluster-ip': [], headless: [], endpoint: [], entry: [] }
  for (const s of snapshot.services ?? []) {
    if (!visibleToAll(s.exportTo) || s.externalName) continue
    const fqdn = `${s.name}.${s.namespace}.svc.${domain}`
    if ((s.clusterIPs ?? []).length > 0) pools['cluster-ip'].push(fqdn)
    else if ((s.endpoints ?? []).length > 0) {
      pools.headless.push(fqdn)
      for (const e of s.endpoints ?? []) {
        pools.endpoint.push(`${e.hostname ?? e.addresses[0]!.replace(/\./g, '-')}.${fqdn}`)
      }
    }
  }
  for (const e of snapshot.serviceEntries ?? []) {
    if (!visibleToAll(e.exportTo)) continue
    const answers = (e.addresses ?? []).length > 0 || (e.endpoints ?? []).length > 0
    for (const host of e.hosts) {
      if (host.startsWith('*.')) pools.entry.push(`www.${host.slice(2)}`)
      else if (answers || e.hostAddresses?.[host]) pools.entry.push(host)
    }
  }
  return pools
}

function draw<T>(random: () => number, pool: readonly T[], count: number): T[] {
  const copy = [...pool]
  const out: T[] = []
  for (let i = 0; i < count && copy.length > 0; i++) {
    const j = Math.floor(random() * copy.length)
    out.push(copy[j]!)
    copy[j] = copy[copy.length - 1]!
    copy.pop()
  }
  return out
}

/** `count` distinct names, `presentShare` of them present, shuffled. */
export function queryNames(snapshot: SnapshotInput, count = 1000, presentShare = 0.9, seed = 7): QueryName[] {
  const random = prng(seed)
  const pools = presentPools(snapshot)
  const present = Math.round(count * presentShare)
  const out: QueryName[] = []
  for (const [kind, share] of MIX) {
    const want = kind === 'entry' ? present - out.length : Math.round(present * share)
    for (const name of draw(random, pools[kind], want)) out.push({ name, present: true })
  }
  const domain = snapshot.clusterDomain ?? 'cluster.local'
  const namespaces = snapshot.namespaces ?? ['default']
  for (let i = 0; out.length < count; i++) {
    out.push({ name: `absent-${i}.${namespaces[i % namespaces.length]}.svc.${domain}`, present: false })
  }
  return draw(random, out, out.length)
}
