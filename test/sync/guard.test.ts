import { expect, test, vi } from 'vitest'
import type { SnapshotContent } from '../../src/sync/build.ts'
import { Backoff, backoffDelay } from '../../src/sync/backoff.ts'
import { Debouncer } from '../../src/sync/debounce.ts'
import { ShrinkGuard, snapshotNames } from '../../src/sync/guard.ts'
import { nextRevision, stampSnapshot } from '../../src/sync/revision.ts'

const names = (n: number, prefix = 's') => new Set(Array.from({ length: n }, (_, i) => `${prefix}${i}.ns.svc`))

test('shrink guard: refuses dropping more than the allowed share of the last accepted names', () => {
  const guard = new ShrinkGuard(0.5)
  expect(guard.check(names(10)).ok).toBe(true) // nothing to compare with yet
  guard.accept(names(10))
  expect(guard.check(names(5)).ok).toBe(true) // exactly half may go
  expect(guard.check(names(4))).toEqual({ ok: false, dropped: 6, baseline: 10, share: 0.6 })
  // Renaming everything drops every name, even though the count is the same.
  expect(guard.check(names(10, 'other')).ok).toBe(false)
  expect(new ShrinkGuard(1).check(new Set()).ok).toBe(true)
})

test('names: services, headless hostnames and ServiceEntry hosts', () => {
  const content: SnapshotContent = {
    apiVersion: 'meshdoh/v1',
    kind: 'RegistrySnapshot',
    cluster: 'c',
    services: [
      {
        name: 'db',
        namespace: 'ns',
        endpoints: [{ addresses: ['10.0.0.1'], hostname: 'db-0' }, { addresses: ['10.0.0.2'] }],
      },
    ],
    serviceEntries: [{ name: 'se', namespace: 'ns', hosts: ['A.example.com', 'b.example.com'] }],
  }
  expect([...snapshotNames(content)]).toEqual(['db.ns.svc', 'db-0.db.ns.svc', 'a.example.com', 'b.example.com'])
})

test('revisions: wall-clock milliseconds, and always above the previous one', () => {
  expect(nextRevision(0, 1_700_000_000_123.7)).toBe(1_700_000_000_123)
  expect(nextRevision(1_700_000_000_500, 1_700_000_000_123)).toBe(1_700_000_000_501)
  const doc = stampSnapshot(
    { apiVersion: 'meshdoh/v1', kind: 'RegistrySnapshot', cluster: 'c', ttl: 5 },
    7,
    new Date('2026-01-02T03:04:05.678Z')
  )
  expect(Object.keys(doc)).toEqual(['apiVersion', 'kind', 'cluster', 'revision', 'generatedAt', 'ttl'])
  expect(doc.generatedAt).toBe('2026-01-02T03:04:05Z')
})

test('backoff: each step at least half of base·2^n, capped', () => {
  const opts = { baseMs: 100, maxMs: 1000 }
  expect([0, 1, 2, 3, 4].map((n) => backoffDelay(n, opts, () => 0))).toEqual([50, 100, 200, 400, 500])
  expect([0, 1, 2, 3, 4].map((n) => backoffDelay(n, opts, () => 0.999999))).toEqual(
    [0, 1, 2, 3, 4].map((n) => Math.min(1000, 100 * 2 ** n) * 0.9999995)
  )
})

test('backoff starts over after two minutes without a failure, as client-go does', () => {
  let now = 0
  const backoff = new Backoff({ baseMs: 500, maxMs: 30_000 }, () => now)
  const step = (n: number) => 500 * 2 ** n
  // Five resets a few seconds apart: each wait grows (equal jitter: between half a step and a step).
  for (let n = 0; n < 5; n++) {
    const wait = backoff.next()
    expect(wait).toBeGreaterThanOrEqual(step(n) / 2)
    expect(wait).toBeLessThanOrEqual(step(n))
    now += 2000
  }
  // 100 s of quiet is not enough...
  now += 100_000
  expect(backoff.next()).toBeGreaterThanOrEqual(step(5) / 2)
  // ...150 s is: the first step again, not 9 s.
  now += 150_000
  expect(backoff.next()).toBeLessThanOrEqual(500)
  expect(backoff.next()).toBeGreaterThanOrEqual(500)
})

test('debounce: a burst fires once after the quiet period; a steady trickle fires by the max delay', () => {
  vi.useFakeTimers()
  try {
    const fire = vi.fn()
    const d = new Debouncer(fire, { quietMs: 100, maxDelayMs: 250 })
    for (let i = 0; i < 5; i++) {
      d.trigger()
      vi.advanceTimersByTime(10)
    }
    expect(fire).not.toHaveBeenCalled()
    vi.advanceTimersByTime(100)
    expect(fire).toHaveBeenCalledTimes(1)
    // An event every 50 ms never leaves 100 ms of quiet: the max delay (250 ms) fires it.
    for (let i = 0; i < 6; i++) {
      d.trigger()
      vi.advanceTimersByTime(50)
    }
    expect(fire).toHaveBeenCalledTimes(2)
    d.stop()
    d.trigger()
    vi.advanceTimersByTime(1000)
    expect(fire).toHaveBeenCalledTimes(2)
  } finally {
    vi.useRealTimers()
  }
})

test('debounce: a quiet period halfway through calls settling once; a change before it postpones it', () => {
  vi.useFakeTimers()
  try {
    const fire = vi.fn()
    const settling = vi.fn()
    const d = new Debouncer(fire, { quietMs: 100, maxDelayMs: 1000 }, settling)
    d.trigger()
    vi.advanceTimersByTime(40)
    d.trigger()
    vi.advanceTimersByTime(40)
    expect(settling).not.toHaveBeenCalled()
    vi.advanceTimersByTime(10)
    expect(settling).toHaveBeenCalledTimes(1)
    expect(fire).not.toHaveBeenCalled()
    vi.advanceTimersByTime(50)
    expect(fire).toHaveBeenCalledTimes(1)
    expect(settling).toHaveBeenCalledTimes(1)
    d.trigger()
    d.flush()
    vi.advanceTimersByTime(1000)
    expect(settling).toHaveBeenCalledTimes(1)
  } finally {
    vi.useRealTimers()
  }
})
