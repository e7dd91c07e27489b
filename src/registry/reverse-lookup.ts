/**
 * Reverse names (R7, R2.2 step 4): PTR for the addresses a view can see, and the reverse
 * zones covering `serviceCIDRs`, where an unknown address is NXDOMAIN with a synthesised SOA
 * (R7.5). A map lookup per label of the name, and one per candidate owner of the address.
 */
import { formatIp, isIPv6, parseReverseName } from '../dns/ip.ts'
import type { Lookup } from '../dns/lookup.ts'
import { apexFound, emptyFound, ptrFound, soaFor } from './found.ts'
import { ptrCluster, ptrNamespace, ptrRank, ptrTarget, ptrTtl, ptrVisibility, type PtrOwner } from './records.ts'
import type { RegistryReader } from './registry-index.ts'
import type { ViewPicker } from './view-pick.ts'

/** The answer at a reverse name, or undefined when meshdoh does not own it (R7.5: REFUSED). */
export function reverseLookup(registry: RegistryReader, picker: ViewPicker, name: string): Lookup | undefined {
  const zone = registry.reverseZoneOf(name)
  const soa = zone && soaFor(zone.zone, zone.ttl, zone.serial)
  const prefix = parseReverseName(name)
  if (prefix?.complete) {
    const targets = ptrTargets(registry, picker, prefix.bytes)
    if (targets.length > 0) return ptrFound(targets, soa)
  }
  if (zone === undefined || soa === undefined) return undefined
  if (name === zone.zone) return apexFound(soa, zone.ttl)
  // Every address of an owned reverse zone is ours: an unknown one does not exist, nor does a
  // name that is no address. A partial address may have addresses below it (R10.3).
  if (prefix === undefined || prefix.complete) return { kind: 'nxdomain', soa }
  return emptyFound(soa)
}

/** R7.1–R7.4, R17.7: visible owners of an address, the best rank, the view cluster first. */
function ptrTargets(
  registry: RegistryReader,
  picker: ViewPicker,
  address: Uint8Array
): Array<{ target: string; ttl: number }> {
  const held = registry.index.ptr(address)
  if (held === undefined) return []
  const ip = formatIp(address)
  const owners = Array.isArray(held) ? (held as readonly PtrOwner[]) : [held as PtrOwner]
  const candidates = owners.filter(
    (p) =>
      picker.sees(ptrVisibility(p), ptrCluster(p), ptrNamespace(p)) &&
      (ptrRank(p) !== 2 || answersWith(registry, picker, ptrTarget(p), ip))
  )
  if (candidates.length === 0) return []
  const local = candidates.filter((p) => ptrCluster(p) === picker.view.cluster)
  const pool = local.length > 0 ? local : candidates
  let rank = 2
  for (const p of pool) rank = Math.min(rank, ptrRank(p))
  const out = new Map<string, number>()
  for (const p of pool) {
    const target = ptrTarget(p)
    if (ptrRank(p) === rank && !out.has(target)) out.set(target, ptrTtl(p))
  }
  return [...out].map(([target, ttl]) => ({ target, ttl }))
}

/**
 * R7.4: a ServiceEntry VIP names a host only where the host answers with it for this view:
 * not shadowed by a Service (R13.5), of the namespace (R13.6) and cluster (R17.5) that win,
 * and auto-allocated VIPs only for views that use them (R13.7).
 */
function answersWith(registry: RegistryReader, picker: ViewPicker, host: string, ip: string): boolean {
  const node = registry.index.node(host)
  const choice = node && picker.choose(node)
  if (choice?.kind !== 'entries') return false
  const { v4, v6 } = choice.entries.addresses
  return (isIPv6(ip) ? v6 : v4).includes(ip)
}
