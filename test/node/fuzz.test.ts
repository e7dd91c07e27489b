/**
 * The DoH fuzz corpus against the real Node server over h2c: GET and POST on concurrent
 * streams. Never a 5xx, never a reset stream; every 200 answers its own query.
 */
import { Buffer } from 'node:buffer'
import type http2 from 'node:http2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import bookinfo from '../fixtures/bookinfo.snapshot.json'
import { base64url } from '../helpers/dns.ts'
import { fuzzInput, replyProblem } from '../helpers/fuzz.ts'
import { seeded } from '../helpers/random.ts'
import { h2Connect, h2Request } from './support/h2.ts'
import { startMeshdoh, type TestMeshdoh } from './support/meshdoh.ts'

const INPUTS = Number(process.env.MESHDOH_NODE_FUZZ_INPUTS ?? 50_000)
const CONCURRENCY = 32

let meshdoh: TestMeshdoh
let session: http2.ClientHttp2Session

beforeAll(async () => {
  meshdoh = await startMeshdoh()
  expect((await meshdoh.push(bookinfo)).status).toBe(200)
  session = await h2Connect(meshdoh.url)
})

afterAll(async () => {
  session?.close()
  await meshdoh?.server.close()
})

describe('DoH fuzzing over HTTP/2 (seeded)', () => {
  it(`survives ${INPUTS} mutated and random queries on the Node server`, { timeout: 180_000 }, async () => {
    const random = seeded(0xd0d0)
    const inputs = Array.from({ length: INPUTS }, () => fuzzInput(random))
    const failures: string[] = []
    let next = 0
    const worker = async () => {
      while (next < inputs.length) {
        const i = next++
        const query = inputs[i]!
        const reply =
          i % 2 === 0
            ? await h2Request(session, `/dns-query?dns=${base64url(query)}`)
            : await h2Request(session, '/dns-query', {
                method: 'POST',
                body: query,
                headers: { 'content-type': 'application/dns-message' },
              })
        const context = `input ${i}: ${Buffer.from(query).toString('hex')}`
        if (reply.status !== 200) {
          if (![400, 413].includes(reply.status) || (query.length >= 12 && query.length <= 65535))
            failures.push(`${context} → ${reply.status}`)
          continue
        }
        const problem = replyProblem(query, new Uint8Array(reply.body))
        if (problem) failures.push(`${context} → ${problem}`)
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker))
    expect(failures.slice(0, 5)).toEqual([])
  })
})
