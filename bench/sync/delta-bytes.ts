/**
 * What one changed Service costs the sync job, without a network: the synthetic cluster built
 * by the job's own builder at each size, one ClusterIP changed, the delta planned, digested
 * (the contract's canonical digest) and gzipped as target.ts sends it, against the whole
 * snapshot. Prints a table; does not touch BENCHMARKS.md.
 *
 *   npx tsx bench/sync/delta-bytes.ts            # 10k and 100k Services
 *   npx tsx bench/sync/delta-bytes.ts 1000 20000
 */
import { gzipSync } from 'node:zlib'
import { SnapshotBuilder } from '../../src/sync/assemble.ts'
import { planDelta, renderDelta } from '../../src/sync/delta.ts'
import { syntheticState, withOneServiceChanged } from '../../test/sync/synthetic-state.ts'
import { median } from '../stats.ts'

const ROUNDS = 5
const AT = new Date('2026-11-29T19:00:00Z')
const GZIP_LEVEL = 3 // as push.ts

async function measure(services: number): Promise<string[]> {
  const { state, options } = syntheticState(services)
  const builder = new SnapshotBuilder(options)
  let t = performance.now()
  const base = builder.build(state, {}).offer
  const firstBuild = performance.now() - t
  t = performance.now()
  await base.snapshotDigest()
  const firstDigest = performance.now() - t
  const rendered = base.render(2, AT)
  if (!rendered.ok) throw new Error(rendered.error)
  const wholeGzip = gzipSync(rendered.bytes, { level: GZIP_LEVEL }).length
  const bytes: number[] = []
  const build: number[] = []
  const plan: number[] = []
  const digest: number[] = []
  let current = state
  for (let round = 0; round < ROUNDS; round++) {
    current = withOneServiceChanged(current)
    const services = [...current.services]
    const i = services.findIndex((s) => s.clusterIPs.length > 0)
    services[i] = { ...services[i]!, clusterIPs: [`10.111.0.${round + 1}`] }
    current = { ...current, services }
    t = performance.now()
    const next = builder.build(current, {}).offer
    build.push(performance.now() - t)
    t = performance.now()
    const delta = planDelta(base, next)!
    plan.push(performance.now() - t)
    t = performance.now()
    const d = await next.snapshotDigest()
    digest.push(performance.now() - t)
    const json = renderDelta(delta, { cluster: 'east-1', baseRevision: 2, revision: 3, generatedAt: AT, digest: d })
    bytes.push(gzipSync(json, { level: GZIP_LEVEL }).length)
  }
  const ms = (v: number) => `${v.toFixed(1)} ms`
  return [
    services.toLocaleString('en'),
    `${(rendered.bytes.length / 2 ** 20).toFixed(1)} MiB / ${(wholeGzip / 1024).toFixed(0)} KiB`,
    `${median(bytes)} B`,
    ms(firstBuild),
    ms(firstDigest),
    ms(median(build)),
    ms(median(plan)),
    ms(median(digest)),
  ]
}

const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0)
const header = [
  'Services',
  'whole (JSON / gzip)',
  'one-Service delta (gzip)',
  'first build',
  'first digest',
  'build',
  'plan',
  'digest',
]
const rows = [header]
for (const n of sizes.length > 0 ? sizes : [10_000, 100_000]) rows.push(await measure(n))
for (const row of rows) console.log(row.join(' | '))
