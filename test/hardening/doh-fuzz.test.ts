/**
 * Seeded fuzzing of the DoH endpoint inside workerd: mutated valid queries and random bytes,
 * by GET and POST. Never a 5xx; every 200 a well-formed DNS message whose ID and question
 * match the query's.
 */
import { Buffer } from 'node:buffer'
import * as packet from 'dns-packet'
import { describe, expect, it } from 'vitest'
import { base64url, wireQuery } from '../helpers/dns.ts'
import { bookinfoSnapshot } from '../helpers/fixtures.ts'
import { localApp } from '../helpers/app.ts'
import { int, pick, seeded } from '../helpers/random.ts'

const INPUTS = Number(process.env.MESHDOH_FUZZ_INPUTS ?? 100_000)
const SEED = 0x5eed

const NAMES = ['reviews.bookinfo.svc.cluster.local', '_http._tcp.productpage.bookinfo.svc.cluster.local', 'mongodb-0.mongodb.bookinfo.svc.cluster.local',
  '7.12.96.10.in-addr.arpa', 'x.wiki.example.com', 'legacy.bookinfo.svc.cluster.local', 'cluster.local', 'example.org', 'reviews', 'a.b.c.d.e.f']
const TYPES = ['A', 'AAAA', 'SRV', 'PTR', 'TXT', 'SOA', 'NS', 'CNAME', 'ANY', 'MX', 'HTTPS', 'AXFR', 'UNKNOWN_65280', 'OPT']

function seedQuery(random: () => number): Uint8Array {
  return wireQuery(pick(random, NAMES), pick(random, TYPES), {
    id: int(random, 65536),
    edns: random() < 0.5,
    padding: random() < 0.2,
    qclass: pick(random, ['IN', 'IN', 'IN', 'CH', 'ANY']),
  })
}

/** One of the mutations the issue names: counts, pointers, lengths, truncation, noise. */
function mutate(random: () => number, input: Uint8Array): Uint8Array {
  let bytes: Uint8Array = input.slice()
  const rounds = 1 + int(random, 3)
  for (let r = 0; r < rounds; r++) {
    switch (int(random, 9)) {
      case 0: // flip bits
        for (let i = 0; i < 1 + int(random, 4); i++) bytes[int(random, bytes.length)]! ^= 1 << int(random, 8)
        break
      case 1: // truncate
        bytes = bytes.slice(0, int(random, bytes.length + 1))
        break
      case 2: // huge section counts
        if (bytes.length >= 12) bytes.set([0xff, 0xff], 4 + 2 * int(random, 4))
        break
      case 3: // a compression pointer to itself or forward: a loop
        if (bytes.length > 14) {
          const at = 12 + int(random, bytes.length - 13)
          bytes[at] = 0xc0
          bytes[at + 1] = random() < 0.5 ? at : int(random, 256)
        }
        break
      case 4: // label length bytes that overrun, or exceed 63
        if (bytes.length > 12) bytes[12 + int(random, Math.min(20, bytes.length - 12))] = pick(random, [63, 64, 127, 191, 255])
        break
      case 5: // trailing garbage or a second record
        bytes = Buffer.concat([bytes, Buffer.from(Array.from({ length: int(random, 40) }, () => int(random, 256)))])
        break
      case 6: // an OPT with a bad option length
        bytes = Buffer.concat([withArcount(bytes, 1), Buffer.from([0, 0, 41, 16, 0, 0, 0, 0, 0, 0, 8, 0, 12, 0, 200, 1, 2, 3, 4])])
        break
      case 7: // a name at the 255-octet limit
        bytes = wireLongName(random)
        break
      default: // random bytes
        bytes = Uint8Array.from({ length: int(random, 80) }, () => int(random, 256))
    }
  }
  return bytes
}

function withArcount(bytes: Uint8Array, count: number): Uint8Array {
  const copy = bytes.slice()
  if (copy.length >= 12) copy.set([count >> 8, count & 0xff], 10)
  return copy
}

function wireLongName(random: () => number): Uint8Array {
  const labels: string[] = []
  const target = 240 + int(random, 30)
  while (labels.join('.').length < target) labels.push('a'.repeat(1 + int(random, 63)))
  const header = [0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]
  const name = labels.flatMap((l) => [l.length, ...Buffer.from(l)])
  return Uint8Array.from([...header, ...name, 0, 0, 1, 0, 1])
}

/** The question section's bytes, or undefined when the query has no readable one. */
function questionOf(bytes: Uint8Array): Uint8Array | undefined {
  if (bytes.length < 12 || ((bytes[4]! << 8) | bytes[5]!) !== 1) return undefined
  let at = 12
  while (at < bytes.length && bytes[at] !== 0) {
    if ((bytes[at]! & 0xc0) !== 0) return undefined
    at += bytes[at]! + 1
  }
  return at + 5 <= bytes.length ? bytes.subarray(12, at + 5) : undefined
}

describe('DoH fuzzing (seeded)', () => {
  it(`survives ${INPUTS} mutated and random queries`, { timeout: 240_000 }, async () => {
    const { app, push } = localApp()
    expect((await push(bookinfoSnapshot())).status).toBe(200)
    const random = seeded(SEED)
    const statuses = new Map<number, number>()
    for (let i = 0; i < INPUTS; i++) {
      const query = random() < 0.9 ? mutate(random, seedQuery(random)) : seedQuery(random)
      const response =
        i % 2 === 0
          ? await app.request(`/dns-query?dns=${base64url(query)}`)
          : await app.request('/dns-query', { method: 'POST', headers: { 'Content-Type': 'application/dns-message' }, body: query })
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1)
      if (response.status !== 200) {
        expect([400, 413], `input ${i}: ${Buffer.from(query).toString('hex')}`).toContain(response.status)
        expect(query.length < 12 || query.length > 65535, `input ${i} got ${response.status}`).toBe(true)
        continue
      }
      const bytes = new Uint8Array(await response.arrayBuffer())
      const context = `input ${i}: ${Buffer.from(query).toString('hex')}`
      expect(response.headers.get('content-type'), context).toBe('application/dns-message')
      const message = packet.decode(Buffer.from(bytes))
      expect(message.type, context).toBe('response')
      expect(message.id, context).toBe((query[0]! << 8) | query[1]!)
      const asked = questionOf(query)
      const answeredQuestion = questionOf(bytes)
      if (answeredQuestion !== undefined) expect(Buffer.from(answeredQuestion).equals(Buffer.from(asked ?? [])), context).toBe(true)
    }
    expect(statuses.get(200)).toBeGreaterThan(INPUTS / 2)
    expect([...statuses.keys()].every((s) => s < 500)).toBe(true)
  })
})
