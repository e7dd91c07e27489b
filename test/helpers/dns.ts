/** Test-side DNS: queries built and responses read with dns-packet, an independent codec. */
import { Buffer } from 'node:buffer'
import * as packet from 'dns-packet'

export interface QueryOptions {
  id?: number
  edns?: boolean
  padding?: boolean
  ednsVersion?: number
  qclass?: string
}

export function wireQuery(name: string, type: string, options: QueryOptions = {}): Uint8Array {
  const additionals: packet.Answer[] = []
  if (options.edns || options.padding || options.ednsVersion !== undefined) {
    additionals.push({
      type: 'OPT',
      name: '.',
      udpPayloadSize: 4096,
      ednsVersion: options.ednsVersion ?? 0,
      options: options.padding ? [{ code: 'PADDING', length: 16 }] : [],
    } as unknown as packet.Answer)
  }
  return packet.encode({
    type: 'query',
    id: options.id ?? 4242,
    flags: packet.RECURSION_DESIRED,
    questions: [{ name, type: type as packet.RecordType, class: (options.qclass ?? 'IN') as packet.RecordClass }],
    additionals,
  })
}

export function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

export function decode(bytes: ArrayBuffer | Uint8Array): packet.DecodedPacket {
  return packet.decode(Buffer.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)))
}

/** Records as zone-file lines, the form CoreDNS's tests use: `name. TTL IN TYPE data`. */
export function zoneLines(records: packet.Answer[] | undefined): string[] {
  return (records ?? [])
    .filter((rr) => rr.type !== 'OPT')
    .map((rr) => {
      const r = rr as packet.Answer & { data: unknown; ttl?: number }
      return `${r.name}. ${r.ttl} IN ${r.type} ${dataText(r.type, r.data)}`
    })
}

function dataText(type: string, data: unknown): string {
  switch (type) {
    case 'SRV': {
      const d = data as packet.SrvData
      return `${d.priority ?? 0} ${d.weight ?? 0} ${d.port} ${d.target}.`
    }
    case 'SOA': {
      const d = data as packet.SoaData
      return `${d.mname}. ${d.rname}. ${d.serial} ${d.refresh} ${d.retry} ${d.expire} ${d.minimum}`
    }
    case 'CNAME':
    case 'PTR':
    case 'NS':
      return `${data as string}.`
    case 'TXT':
      return (data as Buffer[]).map((b) => JSON.stringify(b.toString())).join(' ')
    default:
      return String(data)
  }
}

export function rcodeOf(message: packet.Packet): string {
  return (message as packet.Packet & { rcode: string }).rcode
}
