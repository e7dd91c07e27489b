/** RFC 8484 through the Worker in workerd: HTTP status codes, DNS rcodes, EDNS, caching. */
import { SELF } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import { base64url, decode, rcodeOf, wireQuery, zoneLines } from '../helpers/dns.ts'
import { bookinfoSnapshot } from '../helpers/fixtures.ts'
import { BASE, clear, push, queryGet, queryPost } from '../helpers/worker.ts'

function withFlags(bytes: Uint8Array, set: number, clear = 0): Uint8Array {
  const copy = bytes.slice()
  const flags = ((copy[2]! << 8) | copy[3]!) & ~clear
  copy[2] = ((flags | set) >> 8) & 0xff
  copy[3] = (flags | set) & 0xff
  return copy
}

function withCount(bytes: Uint8Array, offset: number, count: number): Uint8Array {
  const copy = bytes.slice()
  copy[offset] = count >> 8
  copy[offset + 1] = count & 0xff
  return copy
}

async function sendWire(bytes: Uint8Array) {
  const response = await SELF.fetch(`${BASE}/dns-query?dns=${base64url(bytes)}`)
  return { response, message: decode(await response.arrayBuffer()) }
}

function optOf(message: ReturnType<typeof decode>) {
  return (message.additionals ?? []).find((rr) => rr.type === 'OPT') as
    | {
        extendedRcode: number
        ednsVersion: number
        options: Array<{ code: number; data?: Uint8Array; length?: number }>
      }
    | undefined
}

describe('before any snapshot is held', () => {
  beforeAll(clear)

  it('servfail: a name in the default domain, with an Extended DNS Error saying why (R2.6)', async () => {
    const { response, message } = await queryGet('reviews.bookinfo.svc.cluster.local', 'A', { edns: true })
    expect(response.status).toBe(200)
    expect(rcodeOf(message)).toBe('SERVFAIL')
    expect(message.flag_aa).toBe(false)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const ede = optOf(message)!.options.find((o) => o.code === 15)!
    expect(ede).toBeDefined()
    expect((ede.data![0]! << 8) | ede.data![1]!).toBe(14) // Not Ready
    expect(new TextDecoder().decode(ede.data!.subarray(2))).toMatch(/no registry snapshot/)
  })

  it('refused: a name outside the default domain (R2.5)', async () => {
    const { message } = await queryGet('example.com', 'A')
    expect(rcodeOf(message)).toBe('REFUSED')
  })
})

describe('with the bookinfo snapshot', () => {
  beforeAll(async () => {
    await clear()
    expect((await push(bookinfoSnapshot())).status).toBe(200)
  })

  it('answers GET and POST alike, copying the query ID, as application/dns-message', async () => {
    for (const send of [queryGet, queryPost]) {
      const { response, message } = await send('productpage.bookinfo.svc.cluster.local', 'A', { id: 0xbeef })
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe('application/dns-message')
      expect(message.id).toBe(0xbeef)
      expect(message.flag_aa).toBe(true)
      expect(message.flag_rd).toBe(true)
      expect(message.flag_ra).toBe(false)
      expect(zoneLines(message.answers)).toEqual(['productpage.bookinfo.svc.cluster.local. 30 IN A 10.96.0.20'])
      expect(response.headers.get('cache-control')).toBe('max-age=30')
    }
  })

  it('keeps the question spelling in the question and the answer owner (R1.3)', async () => {
    const { message } = await queryGet('RevIEWS.BookInfo.svc.Cluster.Local', 'AAAA')
    expect(message.questions![0]!.name).toBe('RevIEWS.BookInfo.svc.Cluster.Local')
    expect(zoneLines(message.answers)).toEqual(['RevIEWS.BookInfo.svc.Cluster.Local. 30 IN AAAA fd00:10:96::c07'])
  })

  it('tolerates base64url padding in ?dns=', async () => {
    const encoded = base64url(wireQuery('details.bookinfo.svc.cluster.local', 'A'))
    const padded = encoded + '='.repeat((4 - (encoded.length % 4)) % 4)
    const response = await SELF.fetch(`${BASE}/dns-query?dns=${padded}`)
    expect(response.status).toBe(200)
    expect(zoneLines(decode(await response.arrayBuffer()).answers)).toEqual([
      'details.bookinfo.svc.cluster.local. 30 IN A 10.96.0.21',
    ])
  })

  it('nxdomain: an unknown service, with the SOA and a negative max-age (R9, R10, RFC 2308)', async () => {
    const { response, message } = await queryGet('nope.bookinfo.svc.cluster.local', 'A')
    expect(rcodeOf(message)).toBe('NXDOMAIN')
    expect(message.flag_aa).toBe(true)
    expect(zoneLines(message.authorities)).toEqual([
      'cluster.local. 30 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 1795546800 7200 1800 86400 30',
    ])
    expect(response.headers.get('cache-control')).toBe('max-age=30')
  })

  it('nodata: AAAA of an IPv4-only service, with the SOA (R10.2)', async () => {
    const { message } = await queryGet('productpage.bookinfo.svc.cluster.local', 'AAAA')
    expect(rcodeOf(message)).toBe('NOERROR')
    expect(message.answers).toEqual([])
    expect(zoneLines(message.authorities)[0]).toMatch(/^cluster\.local\. 30 IN SOA /)
  })

  it('refused: a name outside every owned zone is not cacheable', async () => {
    const { response, message } = await queryGet('www.example.org', 'A')
    expect(rcodeOf(message)).toBe('REFUSED')
    expect(message.flag_aa).toBe(false)
    expect(response.headers.get('cache-control')).toBe('no-store')
  })

  it('answers EDNS(0) with an OPT record, and pads when asked (RFC 8467, 468-octet blocks)', async () => {
    const plain = await queryGet('reviews.bookinfo.svc.cluster.local', 'A', { edns: true })
    expect(optOf(plain.message)).toBeDefined()
    expect(optOf(plain.message)!.options).toEqual([])
    for (const name of ['reviews.bookinfo.svc.cluster.local', 'nope.cluster.local', 'x.example.org']) {
      const padded = await queryGet(name, 'A', { padding: true })
      expect(padded.bytes.length % 468).toBe(0)
      expect(optOf(padded.message)!.options.some((o) => o.code === 12)).toBe(true)
    }
    const none = await queryGet('reviews.bookinfo.svc.cluster.local', 'A')
    expect(optOf(none.message)).toBeUndefined()
  })

  it('badvers: EDNS version 1 gets extended rcode 16 and an OPT of version 0 (RFC 6891 §6.1.3)', async () => {
    const { response, message } = await queryGet('reviews.bookinfo.svc.cluster.local', 'A', { ednsVersion: 1 })
    expect(response.status).toBe(200)
    const opt = optOf(message)!
    expect(opt.extendedRcode).toBe(1)
    expect(opt.ednsVersion).toBe(0)
    expect(message.answers).toEqual([])
  })

  it('formerr: no question, two questions, or a response sent as a query', async () => {
    const query = wireQuery('reviews.bookinfo.svc.cluster.local', 'A', { id: 7 })
    for (const bytes of [withCount(query.subarray(0, 12), 4, 0), withCount(query, 4, 2), withFlags(query, 0x8000)]) {
      const { response, message } = await sendWire(bytes)
      expect(response.status).toBe(200)
      expect(message.id).toBe(7)
      expect(rcodeOf(message)).toBe('FORMERR')
      expect(response.headers.get('cache-control')).toBe('no-store')
    }
  })

  it('formerr: a truncated record after the question', async () => {
    const query = wireQuery('reviews.bookinfo.svc.cluster.local', 'A', { edns: true })
    const { message } = await sendWire(query.subarray(0, query.length - 3))
    expect(rcodeOf(message)).toBe('FORMERR')
  })

  it('notimp: an opcode other than QUERY', async () => {
    const query = wireQuery('reviews.bookinfo.svc.cluster.local', 'A')
    const { message } = await sendWire(withFlags(query, 2 << 11)) // STATUS
    expect(rcodeOf(message)).toBe('NOTIMP')
  })

  it('refused: a class other than IN, and zone transfers (R11.2)', async () => {
    expect(rcodeOf((await queryGet('reviews.bookinfo.svc.cluster.local', 'A', { qclass: 'CH' })).message)).toBe(
      'REFUSED'
    )
    expect(rcodeOf((await queryGet('cluster.local', 'AXFR')).message)).toBe('REFUSED')
    expect(rcodeOf((await queryGet('cluster.local', 'IXFR')).message)).toBe('REFUSED')
  })

  it('400: missing or undecodable dns parameter, with a reason', async () => {
    for (const [url, reason] of [
      ['/dns-query', /missing/],
      ['/dns-query?dns=', /shorter than/],
      ['/dns-query?dns=***', /base64url/],
      ['/dns-query?dns=AAAA', /shorter than/],
    ] as const) {
      const response = await SELF.fetch(`${BASE}${url}`)
      expect(response.status).toBe(400)
      expect(await response.text()).toMatch(reason)
    }
  })

  it('400 for an empty POST, 415 for another content type, 413 above 65,535 octets', async () => {
    const post = (body: BodyInit, type = 'application/dns-message') =>
      SELF.fetch(`${BASE}/dns-query`, { method: 'POST', headers: { 'Content-Type': type }, body })
    expect((await post(new Uint8Array(0))).status).toBe(400)
    expect((await post(wireQuery('a.cluster.local', 'A'), 'application/octet-stream')).status).toBe(415)
    expect((await post(new Uint8Array(65536))).status).toBe(413)
  })

  it('405 with Allow for other methods', async () => {
    const response = await SELF.fetch(`${BASE}/dns-query`, { method: 'PUT', body: 'x' })
    expect(response.status).toBe(405)
    expect(response.headers.get('allow')).toBe('GET, POST')
    const resolve = await SELF.fetch(`${BASE}/resolve?name=a`, { method: 'DELETE' })
    expect(resolve.status).toBe(405)
    expect(resolve.headers.get('allow')).toBe('GET')
  })
})
