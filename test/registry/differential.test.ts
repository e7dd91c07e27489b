/**
 * The packed index must answer exactly as the compiler's own maps do: the same response bytes
 * for every name, type and view, over the semantics fixtures and seeded synthetic registries
 * of 1k and 10k Services. The names asked are every compiled name, each one's parents, the
 * SRV names of every port, every reverse name with a PTR owner and the reverse zones, the
 * short names a view's aliases and search list answer, wildcard matches and misses.
 */
import { describe, expect, it } from 'vitest'
import { syntheticSnapshot } from '../../bench/synthetic.ts'
import { answerQuestion } from '../../src/dns/answer.ts'
import { parseIp, reverseName } from '../../src/dns/ip.ts'
import { QType } from '../../src/dns/types.ts'
import { encodeResponse } from '../../src/dns/wire.ts'
import { compileData } from '../../src/registry/compile.ts'
import { packRegistry } from '../../src/registry/pack.ts'
import { PackedIndex } from '../../src/registry/packed.ts'
import { servicesAt } from '../../src/registry/records.ts'
import type { RegistryData } from '../../src/registry/registry-index.ts'
import { Registry } from '../../src/registry/registry.ts'
import type { Snapshot } from '../../src/registry/schema.ts'
import { parseSnapshot } from '../../src/registry/validate.ts'
import { parseSettings } from '../../src/runtime/settings.ts'
import type { View } from '../../src/registry/views.ts'
import views from '../fixtures/views.json'
import { MapIndex } from '../helpers/map-index.ts'
import { FIXTURES, type FixtureId } from '../semantics/case.ts'

const ALL_TYPES = [QType.A, QType.AAAA, QType.SRV, QType.PTR, QType.TXT, QType.SOA, QType.NS, QType.CNAME, QType.ANY]
const FEW_TYPES = [QType.A, QType.SRV, QType.PTR, QType.ANY]
const HEADER = { id: 7, opcode: 0, rd: true, cd: false, edns: undefined, questionBytes: new Uint8Array() }

function parsed(input: unknown): Snapshot {
  const result = parseSnapshot(JSON.parse(JSON.stringify(input)))
  if (!result.ok) throw new Error(result.error)
  return result.snapshot
}

function viewsOf(extra: Record<string, unknown> = {}, policy?: string): View[] {
  const settings = parseSettings({
    MESHDOH_VIEWS: JSON.stringify({ ...views, ...extra }),
    ...(policy ? { MESHDOH_PUSH_TOKENS: policy, MESHDOH_PUSH_POLICY: '{}' } : {}),
  })
  return [settings.anonymousView, ...settings.views.values()]
}

function parentsOf(name: string): string[] {
  const out: string[] = []
  for (let dot = name.indexOf('.'); dot >= 0; dot = name.indexOf('.', dot + 1)) out.push(name.slice(dot + 1))
  return out
}

/** Every name worth asking of a compiled registry. */
function namesOf(data: RegistryData, sample = 1): string[] {
  const names = new Set<string>(['', 'example.com', 'nope.cluster.local', 'in-addr.arpa', '10.in-addr.arpa'])
  let i = 0
  for (const [name, node] of data.names) {
    if (i++ % sample !== 0 && !name.endsWith('.svc.cluster.local')) continue
    names.add(name)
    names.add(`missing.${name}`)
    for (const parent of parentsOf(name)) names.add(parent)
    const services = servicesAt(node)
    for (const service of services === undefined ? [] : Array.isArray(services) ? services : [services]) {
      for (const port of service.ports) {
        names.add(`_${port.name}._${port.protocol}.${name}`)
        names.add(`_${port.protocol}.${name}`)
        names.add(`_nope._${port.protocol}.${name}`)
      }
      const [short, namespace] = name.split('.')
      names.add(`${short}.${namespace}`)
      names.add(`${short}.${namespace}.svc`)
      names.add(short!)
      names.add(`${short}.bookinfo.svc.cluster.local`)
      names.add(`${name}.bookinfo.svc.cluster.local`)
      names.add(`${name}.team-b.svc.cluster.local`)
    }
  }
  for (const suffix of data.wildcards.keys()) {
    names.add(`x.${suffix}`)
    names.add(`a.b.${suffix}`)
    names.add(`*.${suffix}`)
  }
  for (const ip of data.ptrs.keys()) {
    const reverse = reverseName(parseIp(ip)!)
    names.add(reverse)
    names.add(reverse.slice(reverse.indexOf('.') + 1))
  }
  for (const zone of data.reverseZones.keys()) {
    names.add(zone)
    names.add(`1.${zone}`)
    names.add(`250.1.${zone}`)
  }
  return [...names]
}

/** Compares both indexes over every name, type and view; returns how many answers were compared. */
function compare(snapshots: Snapshot[], viewList: View[], types: number[], sample = 1, bytes = false): number {
  const data = compileData(snapshots, { defaultDomain: 'cluster.local' })
  const reference = new Registry(new MapIndex(data))
  const packed = new Registry(new PackedIndex(packRegistry(data)))
  let compared = 0
  const names = namesOf(data, sample)
  for (const view of viewList) {
    const want = reference.forView(view)
    const got = packed.forView(view)
    for (const name of names) {
      for (const type of types) {
        const question = { name, type, class: 1 }
        const expected = answerQuestion(want, question).answer
        const actual = answerQuestion(got, question).answer
        // The wire bytes are a function of the answer; encoding every one doubles the time.
        const same = bytes
          ? Buffer.from(encodeResponse(HEADER, expected)).equals(Buffer.from(encodeResponse(HEADER, actual)))
          : JSON.stringify(expected) === JSON.stringify(actual)
        if (!same)
          expect({ view: view.id, name, type, actual }).toEqual({ view: view.id, name, type, actual: expected })
        compared++
      }
    }
  }
  return compared
}

const FIXTURE_SETS: FixtureId[][] = [
  ...(Object.keys(FIXTURES) as FixtureId[]).map((id) => [id]),
  ['east', 'west', 'remote'],
  ['bookinfo', 'service-entries', 'wildcards'],
  ['bookinfo', 'headless', 'dual-stack'],
  ['slow', 'fast', 'late'],
]

describe('the packed index against the compiled maps', () => {
  it('answers every fixture name in every view byte for byte', () => {
    let compared = 0
    for (const set of FIXTURE_SETS) {
      const snapshots = set.map((id) => parsed(FIXTURES[id]))
      compared += compare(snapshots, viewsOf(), ALL_TYPES, 1, true)
      // Confined clusters: each token bound to its cluster, so views see only their own.
      const tokens = JSON.stringify(Object.fromEntries(snapshots.map((s) => [`t-${s.cluster}`, [s.cluster]])))
      compared += compare(snapshots, viewsOf({}, tokens), [QType.A, QType.PTR, QType.ANY])
    }
    expect(compared).toBeGreaterThan(50_000)
  }, 60_000)

  it('answers a synthetic registry of 1k Services, two clusters', () => {
    const east = parsed(syntheticSnapshot({ services: 1000, seed: 11, cluster: 'east-1' }))
    const west = parsed(syntheticSnapshot({ services: 600, seed: 12, cluster: 'west-1' }))
    const extra = {
      'vm-ns-1': { namespace: 'ns-1', cluster: 'east-1', search: ['ns-1.svc.cluster.local'] },
      'vm-ns-3-west': { namespace: 'ns-3', cluster: 'west-1', autoAllocatedVIPs: false },
    }
    const all = viewsOf(extra)
    expect(compare([east, west], [all[0]!, ...all.slice(-2)], FEW_TYPES)).toBeGreaterThan(50_000)
  }, 60_000)

  it('answers a synthetic registry of 10k Services', () => {
    const snapshot = parsed(syntheticSnapshot({ services: 10_000, seed: 5, cluster: 'east-1' }))
    const extra = { 'vm-ns-7': { namespace: 'ns-7', cluster: 'east-1', search: ['ns-7.svc.cluster.local'] } }
    const all = viewsOf(extra)
    expect(compare([snapshot], [all[0]!, all.at(-1)!], [QType.A, QType.ANY], 5)).toBeGreaterThan(50_000)
  }, 60_000)
})
