/** R8 TXT dns-version, R9 apex SOA and NS, R10 negative answers, R2.6 before and after snapshots. */
import { serialOf, soa, type Case } from './case.ts'

const fixtures: Case['fixtures'] = ['bookinfo']
const LOCAL = soa('cluster.local', 30, serialOf('bookinfo'))

/** NODATA with the zone's SOA (R10.2). */
function nodata(name: string, rule: string, qname: string, qtype: string): Case {
  return { name, rule, fixtures, qname, qtype, rcode: 'NOERROR', answer: [], authority: [LOCAL] }
}

/** NXDOMAIN with the zone's SOA (R10.1). */
function nxdomain(name: string, rule: string, qname: string, qtype: string): Case {
  return { name, rule, fixtures, qname, qtype, rcode: 'NXDOMAIN', answer: [], authority: [LOCAL] }
}

export const apexCases: Case[] = [
  {
    name: 'success: dns-version TXT is the schema version, TTL 28800',
    rule: 'R8.1',
    fixtures,
    qname: 'dns-version.cluster.local',
    qtype: 'TXT',
    rcode: 'NOERROR',
    answer: ['dns-version.cluster.local. 28800 IN TXT "1.1.0"'],
  },
  nodata('nodata: A at dns-version (CoreDNS says NXDOMAIN)', 'R8.2', 'dns-version.cluster.local', 'A'),
  nodata('nodata: TXT at a service', 'R8.2', 'productpage.bookinfo.svc.cluster.local', 'TXT'),
  nxdomain('nxdomain: TXT at a missing name', 'R8.2', 'nope.bookinfo.svc.cluster.local', 'TXT'),
  {
    name: 'success: SOA at the apex',
    rule: 'R9.1',
    fixtures,
    qname: 'cluster.local',
    qtype: 'SOA',
    rcode: 'NOERROR',
    answer: [LOCAL],
  },
  {
    name: 'success: SOA at a mixed-case apex keeps the question spelling',
    rule: 'R9.1',
    fixtures,
    qname: 'Cluster.Local',
    qtype: 'SOA',
    rcode: 'NOERROR',
    answer: [soa('cluster.local', 30, serialOf('bookinfo'), 'Cluster.Local')],
  },
  {
    name: 'nodata: A at a mixed-case apex, the SOA owner is the question as asked',
    rule: 'R1.3',
    fixtures,
    qname: 'Cluster.Local',
    qtype: 'A',
    rcode: 'NOERROR',
    answer: [],
    authority: [soa('cluster.local', 30, serialOf('bookinfo'), 'Cluster.Local')],
  },
  nodata('nodata: SOA at a service name', 'R9.2', 'productpage.bookinfo.svc.cluster.local', 'SOA'),
  nodata('nodata: A at the apex', 'R9.3', 'cluster.local', 'A'),
  nodata('nodata: AAAA at the apex', 'R9.3', 'cluster.local', 'AAAA'),
  nodata('nodata: SRV at the apex', 'R9.3', 'cluster.local', 'SRV'),
  nodata('nodata: HINFO at the apex', 'R9.3', 'cluster.local', 'HINFO'),
  {
    name: 'success: NS at the apex, no glue',
    rule: 'R9.4',
    fixtures,
    qname: 'cluster.local',
    qtype: 'NS',
    rcode: 'NOERROR',
    answer: ['cluster.local. 30 IN NS ns.dns.cluster.local.'],
  },
  nodata('nodata: NS at svc.<zone>', 'R9.4', 'svc.cluster.local', 'NS'),
  nodata('nodata: NS at a namespace', 'R9.4', 'bookinfo.svc.cluster.local', 'NS'),
  nodata('nodata: NS at a service', 'R9.4', 'productpage.bookinfo.svc.cluster.local', 'NS'),
  nxdomain('nxdomain: NS at a missing second label', 'R9.4', 'foo.cluster.local', 'NS'),
  nxdomain('nxdomain: NS at a missing namespace', 'R9.4', 'foo.svc.cluster.local', 'NS'),
  nodata('nodata: A at ns.dns.<zone>', 'R9.5', 'ns.dns.cluster.local', 'A'),
  nodata('nodata: AAAA at ns.dns.<zone>', 'R9.5', 'ns.dns.cluster.local', 'AAAA'),
  nodata('nodata: A at dns.<zone>, an ancestor of ns.dns', 'R10.3', 'dns.cluster.local', 'A'),
  nodata('nodata: svc.<zone> is an empty non-terminal', 'R10.3', 'svc.cluster.local', 'A'),
  nodata('nodata: pod.<zone> is an empty non-terminal', 'R10.3', 'pod.cluster.local', 'A'),
  nodata('nodata: a namespace listed in `namespaces` with no objects', 'R10.3', 'default.svc.cluster.local', 'A'),
  nodata('nodata: a namespace with services', 'R10.3', 'bookinfo.svc.cluster.local', 'TXT'),
  nodata('nodata: a namespace with only a ServiceEntry host inside the zone', 'R10.3', 'vm.svc.cluster.local', 'A'),
  nxdomain('nxdomain: pod A records are gone in spec 1.1.0', 'R10.4', '10-244-1-9.bookinfo.pod.cluster.local', 'A'),
  nodata('nodata: MX at a service', 'R10.2', 'productpage.bookinfo.svc.cluster.local', 'MX'),
  nodata('nodata: CNAME at a service that is not an alias', 'R10.2', 'productpage.bookinfo.svc.cluster.local', 'CNAME'),
  nodata('nodata: SOA at an endpoint name', 'R10.2', 'mongodb-0.mongodb.bookinfo.svc.cluster.local', 'SOA'),
  {
    name: 'servfail: no snapshot held yet, a name in the default domain',
    rule: 'R2.6',
    fixtures: [],
    qname: 'reviews.bookinfo.svc.cluster.local',
    qtype: 'A',
    rcode: 'SERVFAIL',
    answer: [],
  },
  {
    name: 'servfail: no snapshot held yet, the default domain apex',
    rule: 'R2.6',
    fixtures: [],
    qname: 'cluster.local',
    qtype: 'SOA',
    rcode: 'SERVFAIL',
    answer: [],
  },
  {
    name: 'refused: no snapshot held yet, a name outside the default domain',
    rule: 'R2.6',
    fixtures: [],
    qname: 'payments.internal.example.com',
    qtype: 'A',
    rcode: 'REFUSED',
    answer: [],
  },
  {
    name: 'refused: no snapshot held yet, a reverse name',
    rule: 'R2.6',
    fixtures: [],
    qname: '20.0.96.10.in-addr.arpa',
    qtype: 'PTR',
    rcode: 'REFUSED',
    answer: [],
  },
  {
    name: 'nxdomain: a snapshot that publishes nothing makes its names NXDOMAIN',
    rule: 'R2.6',
    fixtures: ['empty'],
    qname: 'reviews.bookinfo.svc.cluster.local',
    qtype: 'A',
    rcode: 'NXDOMAIN',
    answer: [],
    authority: [soa('cluster.local', 30, serialOf('empty'))],
  },
  {
    name: 'success: a snapshot that publishes nothing still has its apex',
    rule: 'R9.1',
    fixtures: ['empty'],
    qname: 'cluster.local',
    qtype: 'SOA',
    rcode: 'NOERROR',
    answer: [soa('cluster.local', 30, serialOf('empty'))],
  },
  {
    name: 'refused: held snapshots publish only cluster.remote, so cluster.local is not owned',
    rule: 'R2.5',
    fixtures: ['remote'],
    qname: 'reviews.bookinfo.svc.cluster.local',
    qtype: 'A',
    rcode: 'REFUSED',
    answer: [],
  },
]
