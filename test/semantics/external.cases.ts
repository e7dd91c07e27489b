/** R5 ExternalName services: CNAME, chasing inside owned names, chains and loops. */
import { serialOf, soa, type Case } from './case.ts'

const bookinfo: Case['fixtures'] = ['bookinfo']
const headless: Case['fixtures'] = ['headless']
const BOOKINFO_SOA = soa('cluster.local', 30, serialOf('bookinfo'))
const HEADLESS_SOA = soa('cluster.local', 30, serialOf('headless'))
const LEGACY_CNAME = 'legacy.bookinfo.svc.cluster.local. 30 IN CNAME legacy.corp.example.com.'

const chain = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => {
    const n = from + i
    const target = n === 9 ? 'web' : `chain-${n + 1}`
    return `chain-${n}.data.svc.cluster.local. 30 IN CNAME ${target}.data.svc.cluster.local.`
  })

export const externalCases: Case[] = [
  {
    name: 'success: CNAME question answers the external name',
    rule: 'R5.1',
    fixtures: bookinfo,
    qname: 'legacy.bookinfo.svc.cluster.local',
    qtype: 'CNAME',
    rcode: 'NOERROR',
    answer: [LEGACY_CNAME],
  },
  {
    name: 'success: A question answers the CNAME alone when the target is not owned',
    rule: 'R5.2',
    fixtures: bookinfo,
    qname: 'legacy.bookinfo.svc.cluster.local',
    qtype: 'A',
    rcode: 'NOERROR',
    answer: [LEGACY_CNAME],
  },
  {
    name: 'success: AAAA question answers the CNAME alone',
    rule: 'R5.2',
    fixtures: bookinfo,
    qname: 'legacy.bookinfo.svc.cluster.local',
    qtype: 'AAAA',
    rcode: 'NOERROR',
    answer: [LEGACY_CNAME],
  },
  {
    name: 'success: SRV at an ExternalName name answers the CNAME too (RFC 1034 §3.6.2)',
    rule: 'R5.2',
    fixtures: bookinfo,
    qname: 'legacy.bookinfo.svc.cluster.local',
    qtype: 'SRV',
    rcode: 'NOERROR',
    answer: [LEGACY_CNAME],
  },
  {
    name: 'success: TXT at an ExternalName name answers the CNAME',
    rule: 'R5.2',
    fixtures: bookinfo,
    qname: 'legacy.bookinfo.svc.cluster.local',
    qtype: 'TXT',
    rcode: 'NOERROR',
    answer: [LEGACY_CNAME],
  },
  {
    name: 'success: target inside the zone is chased (CoreDNS external-to-service)',
    rule: 'R5.3',
    fixtures: bookinfo,
    qname: 'reviews-cname.bookinfo.svc.cluster.local',
    qtype: 'A',
    rcode: 'NOERROR',
    answer: [
      'reviews-cname.bookinfo.svc.cluster.local. 30 IN CNAME reviews.bookinfo.svc.cluster.local.',
      'reviews.bookinfo.svc.cluster.local. 30 IN A 10.96.12.7',
    ],
  },
  {
    name: 'success: chased target answers the asked family',
    rule: 'R5.3',
    fixtures: bookinfo,
    qname: 'reviews-cname.bookinfo.svc.cluster.local',
    qtype: 'AAAA',
    rcode: 'NOERROR',
    answer: [
      'reviews-cname.bookinfo.svc.cluster.local. 30 IN CNAME reviews.bookinfo.svc.cluster.local.',
      'reviews.bookinfo.svc.cluster.local. 30 IN AAAA fd00:10:96::c07',
    ],
  },
  {
    name: 'success: target lacking the type keeps the CNAME, NOERROR',
    rule: 'R5.3',
    fixtures: bookinfo,
    qname: 'reviews-cname.bookinfo.svc.cluster.local',
    qtype: 'TXT',
    rcode: 'NOERROR',
    answer: ['reviews-cname.bookinfo.svc.cluster.local. 30 IN CNAME reviews.bookinfo.svc.cluster.local.'],
  },
  {
    name: 'success: a ServiceEntry host target is chased; the final dot of externalName is dropped',
    rule: 'R5.3',
    fixtures: bookinfo,
    qname: 'pay.bookinfo.svc.cluster.local',
    qtype: 'A',
    rcode: 'NOERROR',
    answer: [
      'pay.bookinfo.svc.cluster.local. 30 IN CNAME payments.internal.example.com.',
      'payments.internal.example.com. 30 IN A 240.240.0.5',
    ],
  },
  {
    name: 'nxdomain: an owned target that does not exist, CNAME kept (RFC 6604)',
    rule: 'R5.3',
    fixtures: bookinfo,
    qname: 'ghost.bookinfo.svc.cluster.local',
    qtype: 'A',
    rcode: 'NXDOMAIN',
    answer: ['ghost.bookinfo.svc.cluster.local. 30 IN CNAME nothere.bookinfo.svc.cluster.local.'],
    authority: [BOOKINFO_SOA],
  },
  {
    name: 'nxdomain: nothing exists under an ExternalName name',
    rule: 'R5.4',
    fixtures: bookinfo,
    qname: 'endpoint.legacy.bookinfo.svc.cluster.local',
    qtype: 'A',
    rcode: 'NXDOMAIN',
    answer: [],
    authority: [BOOKINFO_SOA],
  },
  {
    name: 'nxdomain: no SRV names under an ExternalName name',
    rule: 'R5.4',
    fixtures: bookinfo,
    qname: '_http._tcp.legacy.bookinfo.svc.cluster.local',
    qtype: 'SRV',
    rcode: 'NXDOMAIN',
    answer: [],
    authority: [BOOKINFO_SOA],
  },
  {
    name: 'success: a chain of two ExternalNames ends at a headless service',
    rule: 'R5.3',
    fixtures: headless,
    qname: 'ext-a.data.svc.cluster.local',
    qtype: 'A',
    rcode: 'NOERROR',
    answer: [
      'ext-a.data.svc.cluster.local. 30 IN CNAME ext-b.data.svc.cluster.local.',
      'ext-b.data.svc.cluster.local. 30 IN CNAME web.data.svc.cluster.local.',
      'web.data.svc.cluster.local. 30 IN A 10.244.5.10',
      'web.data.svc.cluster.local. 30 IN A 10.244.5.11',
    ],
  },
  {
    name: 'success: a chain whose end lacks the type keeps every CNAME',
    rule: 'R5.3',
    fixtures: headless,
    qname: 'ext-a.data.svc.cluster.local',
    qtype: 'AAAA',
    rcode: 'NOERROR',
    answer: [
      'ext-a.data.svc.cluster.local. 30 IN CNAME ext-b.data.svc.cluster.local.',
      'ext-b.data.svc.cluster.local. 30 IN CNAME web.data.svc.cluster.local.',
    ],
  },
  {
    name: 'success: CNAME question is not chased',
    rule: 'R5.1',
    fixtures: headless,
    qname: 'ext-a.data.svc.cluster.local',
    qtype: 'CNAME',
    rcode: 'NOERROR',
    answer: ['ext-a.data.svc.cluster.local. 30 IN CNAME ext-b.data.svc.cluster.local.'],
  },
  {
    name: 'success: a self-loop answers its CNAME once, NOERROR',
    rule: 'R5.5',
    fixtures: headless,
    qname: 'self.data.svc.cluster.local',
    qtype: 'A',
    rcode: 'NOERROR',
    answer: ['self.data.svc.cluster.local. 30 IN CNAME self.data.svc.cluster.local.'],
  },
  {
    name: 'success: a two-name loop stops at the first repeated name',
    rule: 'R5.5',
    fixtures: headless,
    qname: 'loop-a.data.svc.cluster.local',
    qtype: 'A',
    rcode: 'NOERROR',
    answer: [
      'loop-a.data.svc.cluster.local. 30 IN CNAME loop-b.data.svc.cluster.local.',
      'loop-b.data.svc.cluster.local. 30 IN CNAME loop-a.data.svc.cluster.local.',
    ],
  },
  {
    name: 'success: a chain of ten stops after 8 CNAMEs',
    rule: 'R5.5',
    fixtures: headless,
    qname: 'chain-0.data.svc.cluster.local',
    qtype: 'A',
    rcode: 'NOERROR',
    answer: chain(0, 8),
  },
  {
    name: 'success: a chain of seven CNAMEs is followed to its addresses',
    rule: 'R5.5',
    fixtures: headless,
    qname: 'chain-3.data.svc.cluster.local',
    qtype: 'A',
    rcode: 'NOERROR',
    answer: [
      ...chain(3, 10),
      'web.data.svc.cluster.local. 30 IN A 10.244.5.10',
      'web.data.svc.cluster.local. 30 IN A 10.244.5.11',
    ],
  },
  {
    name: 'nxdomain: under an ExternalName in the headless fixture too',
    rule: 'R5.4',
    fixtures: headless,
    qname: 'x.self.data.svc.cluster.local',
    qtype: 'A',
    rcode: 'NXDOMAIN',
    answer: [],
    authority: [HEADLESS_SOA],
  },
]
