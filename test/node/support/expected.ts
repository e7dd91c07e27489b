/**
 * What every real client must get from the bookinfo snapshot (test/fixtures), as zone-file
 * lines (CoreDNS handler_test.go style): one A, AAAA, SRV and PTR answer and one NXDOMAIN.
 */
export interface Expected {
  title: string
  name: string
  type: 'A' | 'AAAA' | 'SRV' | 'PTR'
  rcode: 'NOERROR' | 'NXDOMAIN'
  answer: string[]
  authority: string[]
}

const SOA = 'cluster.local. 30 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 1795546800 7200 1800 86400 30'

export const CASES: Expected[] = [
  {
    title: 'A of a ClusterIP service',
    name: 'reviews.bookinfo.svc.cluster.local',
    type: 'A',
    rcode: 'NOERROR',
    answer: ['reviews.bookinfo.svc.cluster.local. 30 IN A 10.96.12.7'],
    authority: [],
  },
  {
    title: 'AAAA of a dual-stack service',
    name: 'reviews.bookinfo.svc.cluster.local',
    type: 'AAAA',
    rcode: 'NOERROR',
    answer: ['reviews.bookinfo.svc.cluster.local. 30 IN AAAA fd00:10:96::c07'],
    authority: [],
  },
  {
    title: 'SRV of a named port',
    name: '_http._tcp.productpage.bookinfo.svc.cluster.local',
    type: 'SRV',
    rcode: 'NOERROR',
    answer: [
      '_http._tcp.productpage.bookinfo.svc.cluster.local. 30 IN SRV 0 100 9080 productpage.bookinfo.svc.cluster.local.',
    ],
    authority: [],
  },
  {
    title: 'PTR of a ClusterIP',
    name: '20.0.96.10.in-addr.arpa',
    type: 'PTR',
    rcode: 'NOERROR',
    answer: ['20.0.96.10.in-addr.arpa. 30 IN PTR productpage.bookinfo.svc.cluster.local.'],
    authority: [],
  },
  {
    title: 'NXDOMAIN with the zone SOA',
    name: 'nosuch.bookinfo.svc.cluster.local',
    type: 'A',
    rcode: 'NXDOMAIN',
    answer: [],
    authority: [SOA],
  },
]

export interface Presented {
  rcode: string
  answer: string[]
  authority: string[]
}

/**
 * Reads dig's or kdig's default output: the status from the header line, records from the
 * ANSWER and AUTHORITY sections, whitespace folded to one space.
 */
export function readPresentation(text: string): Presented {
  const out: Presented = { rcode: text.match(/status: ([A-Z]+)/)?.[1] ?? 'none', answer: [], authority: [] }
  let section: 'answer' | 'authority' | undefined
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    const header = line.match(/^;; ([A-Z]+) SECTION:/)
    if (header) section = header[1] === 'ANSWER' ? 'answer' : header[1] === 'AUTHORITY' ? 'authority' : undefined
    else if (line === '' || line.startsWith(';')) {
      if (line === '') section = undefined
    } else if (section !== undefined) out[section].push(line.split(/\s+/).join(' '))
  }
  return out
}
