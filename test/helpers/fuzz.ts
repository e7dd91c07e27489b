/**
 * The fuzz corpus of the DoH endpoint, shared by the workerd and Node runs: valid queries,
 * mutated the ways the hardening issue names, and random bytes; plus the checks a reply passes.
 */
import { Buffer } from 'node:buffer'
import * as packet from 'dns-packet'
import { wireQuery } from './dns.ts'
import { int, pick } from './random.ts'

const NAMES = [
  'reviews.bookinfo.svc.cluster.local',
  '_http._tcp.productpage.bookinfo.svc.cluster.local',
  'mongodb-0.mongodb.bookinfo.svc.cluster.local',
  '7.12.96.10.in-addr.arpa',
  'x.wiki.example.com',
  'legacy.bookinfo.svc.cluster.local',
  'cluster.local',
  'example.org',
  'reviews',
  'a.b.c.d.e.f',
]
const TYPES = [
  'A',
  'AAAA',
  'SRV',
  'PTR',
  'TXT',
  'SOA',
  'NS',
  'CNAME',
  'ANY',
  'MX',
  'HTTPS',
  'AXFR',
  'UNKNOWN_65280',
  'OPT',
]

export function seedQuery(random: () => number): Uint8Array {
  return wireQuery(pick(random, NAMES), pick(random, TYPES), {
    id: int(random, 65536),
    edns: random() < 0.5,
    padding: random() < 0.2,
    qclass: pick(random, ['IN', 'IN', 'IN', 'CH', 'ANY']),
  })
}

/** One of the mutations the issue names: counts, pointers, lengths, truncation, noise. */
export function mutate(random: () => number, input: Uint8Array): Uint8Array {
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
        if (bytes.length > 12)
          bytes[12 + int(random, Math.min(20, bytes.length - 12))] = pick(random, [63, 64, 127, 191, 255])
        break
      case 5: // trailing garbage or a second record
        bytes = Buffer.concat([bytes, Buffer.from(Array.from({ length: int(random, 40) }, () => int(random, 256)))])
        break
      case 6: // an OPT with a bad option length
        bytes = Buffer.concat([
          withArcount(bytes, 1),
          Buffer.from([0, 0, 41, 16, 0, 0, 0, 0, 0, 0, 8, 0, 12, 0, 200, 1, 2, 3, 4]),
        ])
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
export function questionOf(bytes: Uint8Array): Uint8Array | undefined {
  if (bytes.length < 12 || ((bytes[4]! << 8) | bytes[5]!) !== 1) return undefined
  let at = 12
  while (at < bytes.length && bytes[at] !== 0) {
    if ((bytes[at]! & 0xc0) !== 0) return undefined
    at += bytes[at]! + 1
  }
  return at + 5 <= bytes.length ? bytes.subarray(12, at + 5) : undefined
}

/** A fuzz input: a valid query one time in ten, a mutated one otherwise. */
export function fuzzInput(random: () => number): Uint8Array {
  return random() < 0.9 ? mutate(random, seedQuery(random)) : seedQuery(random)
}

/** Why a 200 reply to `query` is wrong, or undefined when it is a proper answer to it. */
export function replyProblem(query: Uint8Array, bytes: Uint8Array): string | undefined {
  let message: packet.DecodedPacket
  try {
    message = packet.decode(Buffer.from(bytes))
  } catch (error) {
    return `undecodable reply: ${String(error)}`
  }
  if (message.type !== 'response') return 'reply is not a response'
  if (message.id !== ((query[0]! << 8) | query[1]!)) return `reply id ${message.id} differs from the query's`
  const answered = questionOf(bytes)
  if (answered !== undefined && !Buffer.from(answered).equals(Buffer.from(questionOf(query) ?? [])))
    return 'reply question differs'
  return undefined
}
