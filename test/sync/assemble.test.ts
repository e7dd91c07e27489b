import { describe, expect, test } from 'vitest'
import { parseSnapshot } from '../../src/registry/validate.ts'
import { SnapshotBuilder } from '../../src/sync/assemble.ts'
import { buildSnapshot, type ClusterState } from '../../src/sync/build.ts'
import { snapshotNames } from '../../src/sync/guard.ts'
import type { MeshDefaults } from '../../src/sync/mesh-config.ts'
import type { ServiceEntryRecord, ServiceRecord, SliceRecord, WorkloadEntryRecord } from '../../src/sync/objects.ts'
import { stampSnapshot } from '../../src/sync/revision.ts'

const options = { cluster: 'east-1', clusterDomain: 'cluster.local', ttl: 30 }
const AT = new Date('2026-01-02T03:04:05Z')
const REVISION = 1_767_323_045_000

/** A small seeded generator (mulberry32), so that a failure replays. */
function random(seed: number) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (n: number) => Math.floor(next() * n)
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!
  return { next, int, pick, chance: (p: number) => next() < p }
}
type Rng = ReturnType<typeof random>

// 253 octets of name, then a final dot: the schema's host pattern takes it, the check of
// hostAddresses keys in parseSnapshot does not.
const LONG_HOST = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}.`
const NAMESPACES = ['bookinfo', 'vm', 'db', 'Bad_NS', 'a', 'a-b']
const BAD = 0.08

function ip(r: Rng): string {
  if (r.chance(BAD / 2)) return '10.96.0.300'
  return r.chance(0.2) ? `fd00::${r.int(4000).toString(16)}` : `10.${r.int(4)}.${r.int(256)}.${r.int(256)}`
}

function ports(r: Rng) {
  return Array.from({ length: r.int(3) }, () => ({
    name: r.chance(BAD / 2) ? 'x'.repeat(70) : r.pick(['', 'http', 'grpc']),
    port: r.chance(BAD / 2) ? 0 : 1 + r.int(65535),
    protocol: r.pick(['TCP', 'UDP', 'SCTP']),
  }))
}

function exportTo(r: Rng): string[] | undefined {
  return r.chance(0.7) ? undefined : r.chance(BAD / 2) ? ['x'.repeat(64)] : [r.pick(['*', '.', '~', 'bookinfo'])]
}

function serviceRecord(r: Rng, namespace: string, name: string): ServiceRecord {
  const kind = r.int(3)
  const out: ServiceRecord = {
    namespace,
    name: r.chance(BAD / 2) ? `${name}_X` : name,
    clusterIPs: kind === 0 ? Array.from({ length: 1 + r.int(2) }, () => ip(r)) : [],
    ports: ports(r),
    publishNotReadyAddresses: r.chance(0.2),
  }
  if (kind === 2) out.externalName = r.chance(BAD) ? 'not a name!' : `${name}.corp.example.com`
  const e = exportTo(r)
  if (e) out.exportTo = e
  return out
}

function sliceRecord(r: Rng, namespace: string, service: string): SliceRecord {
  return {
    namespace,
    service,
    endpoints: Array.from({ length: r.int(4) }, () => {
      const ep: SliceRecord['endpoints'][number] = {
        addresses: Array.from({ length: 1 + r.int(2) }, () => ip(r)),
        ready: r.chance(0.8),
      }
      if (r.chance(0.5)) ep.hostname = r.chance(BAD) ? 'Bad_Host' : `pod-${r.int(4)}`
      return ep
    }),
  }
}

function entryRecord(r: Rng, namespace: string, name: string): ServiceEntryRecord {
  const hosts = Array.from({ length: 1 + r.int(2) }, () =>
    r.chance(BAD / 2) ? 'exa mple.com' : r.chance(BAD / 2) ? LONG_HOST : `${name}-${r.int(3)}.example.com`
  )
  const out: ServiceEntryRecord = {
    namespace,
    name,
    hosts,
    addresses: r.chance(0.5) ? [r.chance(BAD / 2) ? '240.0.0.0/40' : `240.240.${r.int(256)}.${r.int(256)}`] : [],
    allocated: hosts.flatMap((host) => (r.chance(0.5) ? [{ host, value: ip(r) }] : [])),
    ports: ports(r),
    endpoints: r.chance(0.5) ? [ip(r)] : [],
  }
  if (r.chance(0.5)) out.selector = r.chance(0.1) ? {} : { app: r.pick(['a', 'b']) }
  if (r.chance(0.5)) out.resolution = r.pick(['STATIC', 'DNS', 'NONE'])
  const e = exportTo(r)
  if (e) out.exportTo = e
  return out
}

function workloadRecord(r: Rng, namespace: string, name: string): WorkloadEntryRecord {
  return { namespace, name, address: ip(r), labels: { app: r.pick(['a', 'b', 'c']) } }
}

interface Cluster {
  services: Map<string, ServiceRecord>
  slices: Map<string, SliceRecord>
  entries: Map<string, ServiceEntryRecord>
  workloads: Map<string, WorkloadEntryRecord>
  namespaces: Set<string>
  mesh: MeshDefaults
}

function stateOf(c: Cluster): ClusterState {
  return {
    services: [...c.services.values()],
    slices: [...c.slices.values()],
    serviceEntries: [...c.entries.values()],
    workloadEntries: [...c.workloads.values()],
    namespaces: [...c.namespaces],
  }
}

/** One random change, as a watch event would bring it: a new record object, or a deletion. */
function mutate(r: Rng, c: Cluster): void {
  const ns = r.pick(NAMESPACES)
  const n = r.int(12)
  switch (r.int(6)) {
    case 0: {
      const key = `${ns}/svc-${n}`
      if (r.chance(0.2)) c.services.delete(key)
      else c.services.set(key, serviceRecord(r, ns, `svc-${n}`))
      return
    }
    case 1: {
      const key = `${ns}/svc-${n}-${r.int(2)}`
      if (r.chance(0.2)) c.slices.delete(key)
      else c.slices.set(key, sliceRecord(r, ns, `svc-${n}`))
      return
    }
    case 2: {
      const key = `${ns}/se-${n}`
      if (r.chance(0.2)) c.entries.delete(key)
      else c.entries.set(key, entryRecord(r, ns, `se-${n}`))
      return
    }
    case 3: {
      const key = `${ns}/we-${n}`
      if (r.chance(0.3)) c.workloads.delete(key)
      else c.workloads.set(key, workloadRecord(r, ns, `we-${n}`))
      return
    }
    case 4:
      if (r.chance(0.5)) c.namespaces.delete(ns)
      else c.namespaces.add(ns)
      return
    default:
      if (r.chance(0.3))
        c.mesh = r.pick<MeshDefaults>([
          {},
          { serviceExportTo: ['.'] },
          { serviceEntryExportTo: ['~'] },
          { serviceExportTo: ['*'], serviceEntryExportTo: ['.'] },
        ])
  }
}

function reference(state: ClusterState, mesh: MeshDefaults) {
  const { content, skipped } = buildSnapshot(state, mesh, options)
  return { json: JSON.stringify(stampSnapshot(content, REVISION, AT)), skipped, names: snapshotNames(content) }
}

describe('SnapshotBuilder', () => {
  test('random clusters and changes: byte-equal to buildSnapshot, and every document passes parseSnapshot', () => {
    let invalidSeen = 0
    for (let seed = 1; seed <= 12; seed++) {
      const r = random(seed)
      const c: Cluster = {
        services: new Map(),
        slices: new Map(),
        entries: new Map(),
        workloads: new Map(),
        namespaces: new Set(),
        mesh: {},
      }
      for (let i = 0; i < 60; i++) mutate(r, c)
      const builder = new SnapshotBuilder(options)
      for (let step = 0; step < 40; step++) {
        const state = stateOf(c)
        const built = builder.build(state, c.mesh)
        const expected = reference(state, c.mesh)
        const rendered = built.offer.render(REVISION, AT, 'east-1')
        if (!rendered.ok) throw new Error(`seed ${seed} step ${step}: ${rendered.path} ${rendered.error}`)
        const json = rendered.bytes.toString()
        expect(json, `seed ${seed} step ${step}`).toBe(expected.json)
        expect(built.skipped).toEqual(expected.skipped)
        expect([...built.names].sort()).toEqual([...expected.names].sort())
        const checked = parseSnapshot(JSON.parse(json), 'east-1')
        expect(checked.ok, `seed ${seed} step ${step}: ${checked.ok ? '' : `${checked.path} ${checked.error}`}`).toBe(
          true
        )
        invalidSeen += built.skipped.length
        for (let k = r.int(4); k >= 0; k--) mutate(r, c)
      }
    }
    // The generator did produce objects the schema refuses, and they were left out.
    expect(invalidSeen).toBeGreaterThan(50)
  })

  test('the hostAddresses check of parseSnapshot applies per object too', () => {
    const entry: ServiceEntryRecord = {
      namespace: 'vm',
      name: 'long',
      hosts: [LONG_HOST],
      addresses: [],
      allocated: [{ host: LONG_HOST, value: '240.240.0.1' }],
      ports: [],
      endpoints: [],
    }
    const built = new SnapshotBuilder(options).build(
      { services: [], slices: [], serviceEntries: [entry], workloadEntries: [], namespaces: [] },
      {}
    )
    expect(built.skipped).toMatchObject([{ kind: 'ServiceEntry', name: 'long', path: 'hostAddresses' }])
    const rendered = built.offer.render(REVISION, AT)
    expect(rendered.ok && parseSnapshot(JSON.parse(rendered.bytes.toString())).ok).toBe(true)
  })

  test('a change converts only what it touches; equal content gives an equal digest', () => {
    const services: ServiceRecord[] = Array.from({ length: 50 }, (_, i) => ({
      namespace: 'bookinfo',
      name: `svc-${i}`,
      clusterIPs: [`10.96.0.${i + 1}`],
      ports: [],
      publishNotReadyAddresses: false,
    }))
    const db: ServiceRecord = {
      namespace: 'bookinfo',
      name: 'db',
      clusterIPs: [],
      ports: [],
      publishNotReadyAddresses: false,
    }
    const slice: SliceRecord = {
      namespace: 'bookinfo',
      service: 'db',
      endpoints: [{ addresses: ['10.244.0.1'], hostname: 'db-0', ready: true }],
    }
    const state: ClusterState = {
      services: [...services, db],
      slices: [slice],
      serviceEntries: [],
      workloadEntries: [],
      namespaces: ['bookinfo'],
    }
    const builder = new SnapshotBuilder(options)
    const first = builder.build(state, {})
    // Same records again: the same digest.
    expect(builder.build({ ...state, services: [...state.services].reverse() }, {}).offer.key).toBe(first.offer.key)
    // A new object for an unchanged service (a label changed upstream): same content, same digest.
    const relabelled = { ...state, services: [{ ...services[0]! }, ...services.slice(1), db] }
    expect(builder.build(relabelled, {}).offer.key).toBe(first.offer.key)
    // A headless service follows its slices.
    const moved = { ...slice, endpoints: [{ addresses: ['10.244.0.2'], hostname: 'db-0', ready: true }] }
    const next = builder.build({ ...relabelled, slices: [moved] }, {})
    expect(next.offer.key).not.toBe(first.offer.key)
    const rendered = next.offer.render(REVISION, AT)
    expect(rendered.ok && rendered.bytes.toString()).toContain('"addresses":["10.244.0.2"],"hostname":"db-0"')
  })

  test('an offer renders only with a valid envelope: wrong cluster, or a revision past the bound, fails', () => {
    const { offer } = new SnapshotBuilder(options).build(
      { services: [], slices: [], serviceEntries: [], workloadEntries: [], namespaces: [] },
      {}
    )
    expect(offer.render(REVISION, AT, 'west-2')).toMatchObject({ ok: false, path: 'cluster' })
    expect(offer.render(Number.MAX_SAFE_INTEGER + 1, AT)).toMatchObject({ ok: false, path: 'revision' })
    expect(
      new SnapshotBuilder({ ...options, clusterDomain: 'bad domain' })
        .build({ services: [], slices: [], serviceEntries: [], workloadEntries: [], namespaces: [] }, {})
        .offer.render(REVISION, AT)
    ).toMatchObject({ ok: false, path: 'clusterDomain' })
  })
})
