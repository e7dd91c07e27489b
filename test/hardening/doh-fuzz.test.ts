/**
 * Seeded fuzzing of the DoH endpoint inside workerd: mutated valid queries and random bytes,
 * by GET and POST. Never a 5xx; every 200 a well-formed DNS message whose ID and question
 * match the query's.
 */
import { Buffer } from 'node:buffer'
import { describe, expect, it } from 'vitest'
import { base64url } from '../helpers/dns.ts'
import { bookinfoSnapshot } from '../helpers/fixtures.ts'
import { fuzzInput, replyProblem } from '../helpers/fuzz.ts'
import { localApp } from '../helpers/app.ts'
import { seeded } from '../helpers/random.ts'

const INPUTS = Number(process.env.MESHDOH_FUZZ_INPUTS ?? 100_000)
const SEED = 0x5eed

describe('DoH fuzzing (seeded)', () => {
  it(`survives ${INPUTS} mutated and random queries`, { timeout: 240_000 }, async () => {
    const { app, push } = localApp()
    expect((await push(bookinfoSnapshot())).status).toBe(200)
    const random = seeded(SEED)
    const statuses = new Map<number, number>()
    for (let i = 0; i < INPUTS; i++) {
      const query = fuzzInput(random)
      const response =
        i % 2 === 0
          ? await app.request(`/dns-query?dns=${base64url(query)}`)
          : await app.request('/dns-query', {
              method: 'POST',
              headers: { 'Content-Type': 'application/dns-message' },
              body: query,
            })
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1)
      const context = `input ${i}: ${Buffer.from(query).toString('hex')}`
      if (response.status !== 200) {
        expect([400, 413], context).toContain(response.status)
        expect(query.length < 12 || query.length > 65535, context).toBe(true)
        continue
      }
      expect(response.headers.get('content-type'), context).toBe('application/dns-message')
      expect(replyProblem(query, new Uint8Array(await response.arrayBuffer())), context).toBeUndefined()
    }
    expect(statuses.get(200)).toBeGreaterThan(INPUTS / 2)
    expect([...statuses.keys()].every((s) => s < 500)).toBe(true)
  })
})
