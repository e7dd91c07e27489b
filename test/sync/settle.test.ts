/**
 * The job builds halfway through a quiet period (job.ts `#settle`): that build is sent when the
 * period ends without another change, and never when a change came after it.
 */
import { pino } from 'pino'
import { afterEach, expect, test, vi } from 'vitest'
import type { Offer } from '../../src/sync/assemble.ts'
import type { ClusterState } from '../../src/sync/build.ts'
import { SyncJob, type Sink } from '../../src/sync/job.ts'
import { SyncMetrics } from '../../src/sync/metrics.ts'
import type { ServiceRecord } from '../../src/sync/objects.ts'
import type { ClusterSource } from '../../src/sync/watch.ts'

const QUIET_MS = 200

class FakeSource implements ClusterSource {
  readonly ready = Promise.resolve()
  services: ServiceRecord[] = []
  #onChange: () => void = () => {}
  isReady = () => true
  state = (): ClusterState => ({
    services: this.services,
    slices: [],
    namespaces: ['bookinfo'],
    serviceEntries: [],
    workloadEntries: [],
  })
  mesh = () => ({})
  start(onChange: () => void) {
    this.#onChange = onChange
  }
  stop = async () => {}
  add(name: string, ip: string) {
    this.services = [
      ...this.services,
      { namespace: 'bookinfo', name, clusterIPs: [ip], ports: [], publishNotReadyAddresses: false },
    ]
    this.#onChange()
  }
}

class RecordingSink implements Sink {
  offers: Offer[] = []
  prepared: Offer[] = []
  offer(offer: Offer) {
    this.offers.push(offer)
  }
  prepare(offer: Offer) {
    this.prepared.push(offer)
  }
  stop = async () => {}
}

const jobs: SyncJob[] = []
afterEach(async () => {
  for (const job of jobs.splice(0)) await job.stop()
})

async function started(debounce = { quietMs: QUIET_MS, maxDelayMs: 10_000 }) {
  const source = new FakeSource()
  const sink = new RecordingSink()
  const job = new SyncJob(
    source,
    [sink],
    {
      build: { cluster: 'east-1', clusterDomain: 'cluster.local', ttl: 30 },
      debounce,
      maxShrink: 1,
    },
    new SyncMetrics(),
    pino({ level: 'silent' })
  )
  jobs.push(job)
  let builds = 0
  const build = job.build.bind(job)
  job.build = () => (builds++, build())
  job.start()
  await source.ready
  await Promise.resolve()
  expect(sink.offers).toHaveLength(1)
  return { source, sink, builds: () => builds }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const services = (offer: Offer) => {
  const rendered = offer.render(1, new Date(0))
  if (!rendered.ok) throw new Error(rendered.error)
  return (JSON.parse(rendered.bytes.toString()) as { services: Array<{ name: string }> }).services.map((s) => s.name)
}

test('a quiet period that ends without another change sends the build made halfway, built once', async () => {
  const { source, sink, builds } = await started()
  const before = builds()
  source.add('one', '10.96.0.1')
  await sleep(QUIET_MS / 2 + 50)
  expect(sink.prepared).toHaveLength(1)
  expect(sink.offers).toHaveLength(1)
  await sleep(QUIET_MS)
  expect(sink.offers).toHaveLength(2)
  expect(sink.offers[1]).toBe(sink.prepared[0])
  expect(services(sink.offers[1]!)).toEqual(['one'])
  expect(builds() - before).toBe(1)
})

test('a change in the last moment of a max delay is in what is sent, though no halfway build follows it', async () => {
  // quiet 200 ms, max 300 ms: changes at 0, 150 and 299 ms. The last one leaves 1 ms until the
  // max delay, too little for a halfway build: the flush finds the one made at 225 ms, from
  // before that change, and must build again.
  vi.useFakeTimers()
  try {
    const { source, sink } = await started({ quietMs: QUIET_MS, maxDelayMs: 300 })
    source.add('one', '10.96.0.1')
    await vi.advanceTimersByTimeAsync(150)
    source.add('two', '10.96.0.2')
    await vi.advanceTimersByTimeAsync(149)
    expect(sink.prepared.map(services)).toEqual([['one'], ['one', 'two']])
    source.add('three', '10.96.0.3')
    await vi.advanceTimersByTimeAsync(5)
    expect(sink.offers).toHaveLength(2)
    expect(services(sink.offers[1]!)).toEqual(['one', 'three', 'two'])
  } finally {
    vi.useRealTimers()
  }
})
