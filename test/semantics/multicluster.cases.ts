/**
 * R17 several clusters: east-1 (ttl 30) and west-1 (ttl 60) share cluster.local, remote-1 has
 * cluster.remote. Views: vm-bookinfo is in east-1, vm-west in west-1, vm-south in a cluster
 * with no snapshot, vm-remote in remote-1; the anonymous view has no cluster.
 */
import { serialOf, soa, type Case } from './case.ts'

const fixtures: Case['fixtures'] = ['east', 'west', 'remote']
// R9.1: a zone fed by two snapshots has the smallest ttl and the newest serial.
const LOCAL = soa('cluster.local', 30, Math.max(serialOf('east'), serialOf('west')))
const REMOTE = soa('cluster.remote', 30, serialOf('remote'))
const NS = 'bookinfo.svc.cluster.local'

function a(name: string, rule: string, qname: string, qtype: string, lines: string[], view?: string): Case {
  return { name, rule, fixtures, view, qname, qtype, rcode: 'NOERROR', answer: lines }
}

export const multiclusterCases: Case[] = [
  a(
    'success: ClusterIP of the view cluster',
    'R17.1',
    `reviews.${NS}`,
    'A',
    [`reviews.${NS}. 30 IN A 10.96.1.7`],
    'vm-bookinfo'
  ),
  a(
    'success: ClusterIP of the other view cluster, its ttl',
    'R17.1',
    `reviews.${NS}`,
    'A',
    [`reviews.${NS}. 60 IN A 10.97.1.7`],
    'vm-west'
  ),
  a(
    'success: IPv6 ClusterIP of the view cluster',
    'R17.1',
    `reviews.${NS}`,
    'AAAA',
    [`reviews.${NS}. 60 IN AAAA fd00:10:97::107`],
    'vm-west'
  ),
  a('success: no view cluster, the first cluster by name', 'R17.2', `reviews.${NS}`, 'A', [
    `reviews.${NS}. 30 IN A 10.96.1.7`,
  ]),
  a(
    'success: a view cluster without a snapshot, the first cluster by name',
    'R17.2',
    `reviews.${NS}`,
    'AAAA',
    [`reviews.${NS}. 30 IN AAAA fd00:10:96::107`],
    'vm-south'
  ),
  a(
    'success: the view cluster lacks the service, another cluster has it',
    'R17.2',
    `east-only.${NS}`,
    'A',
    [`east-only.${NS}. 30 IN A 10.96.1.50`],
    'vm-west'
  ),
  a(
    'success: the view cluster lacks the service, west-1 answers with its ttl',
    'R17.2',
    `west-only.${NS}`,
    'A',
    [`west-only.${NS}. 60 IN A 10.97.1.50`],
    'vm-bookinfo'
  ),
  {
    name: "nodata: the view cluster has no IPv6 ClusterIP; never another cluster's",
    rule: 'R17.1',
    fixtures,
    view: 'vm-bookinfo',
    qname: `ratings.${NS}`,
    qtype: 'AAAA',
    rcode: 'NOERROR',
    answer: [],
    authority: [LOCAL],
  },
  a(
    'success: the other cluster has its own IPv6 ClusterIP',
    'R17.1',
    `ratings.${NS}`,
    'AAAA',
    [`ratings.${NS}. 60 IN AAAA fd00:10:97::108`],
    'vm-west'
  ),
  {
    ...a(
      'success: SRV additionals come from the view cluster',
      'R17.1',
      `_http._tcp.reviews.${NS}`,
      'SRV',
      [`_http._tcp.reviews.${NS}. 60 IN SRV 0 100 9080 reviews.${NS}.`],
      'vm-west'
    ),
    additional: [`reviews.${NS}. 60 IN A 10.97.1.7`, `reviews.${NS}. 60 IN AAAA fd00:10:97::107`],
  },
  // RFC 2181 §5.2: one RRset, one TTL; the merged set takes the smallest of its snapshots' ttls.
  a(
    'success: headless endpoints of every cluster merge',
    'R17.3',
    `db.${NS}`,
    'A',
    [
      `db.${NS}. 30 IN A 10.244.1.10`,
      `db.${NS}. 30 IN A 10.244.1.11`,
      `db.${NS}. 30 IN A 10.245.1.10`,
      `db.${NS}. 30 IN A 10.245.1.11`,
    ],
    'vm-west'
  ),
  {
    ...a(
      'success: headless SRV targets of every cluster, each endpoint name once',
      'R17.3',
      `_mysql._tcp.db.${NS}`,
      'SRV',
      [
        `_mysql._tcp.db.${NS}. 30 IN SRV 0 33 3306 db-0.db.${NS}.`,
        `_mysql._tcp.db.${NS}. 30 IN SRV 0 33 3306 10-244-1-11.db.${NS}.`,
        `_mysql._tcp.db.${NS}. 30 IN SRV 0 33 3306 db-1.db.${NS}.`,
      ],
      'vm-bookinfo'
    ),
    additional: [
      `db-0.db.${NS}. 30 IN A 10.244.1.10`,
      `10-244-1-11.db.${NS}. 30 IN A 10.244.1.11`,
      `db-1.db.${NS}. 60 IN A 10.245.1.11`,
    ],
  },
  a(
    "success: an endpoint hostname answers the view cluster's endpoint",
    'R17.4',
    `db-0.db.${NS}`,
    'A',
    [`db-0.db.${NS}. 30 IN A 10.244.1.10`],
    'vm-bookinfo'
  ),
  a(
    "success: the same hostname from the other cluster's view",
    'R17.4',
    `db-0.db.${NS}`,
    'A',
    [`db-0.db.${NS}. 60 IN A 10.245.1.10`],
    'vm-west'
  ),
  a('success: no view cluster, the union of every cluster', 'R17.4', `db-0.db.${NS}`, 'A', [
    `db-0.db.${NS}. 30 IN A 10.244.1.10`,
    `db-0.db.${NS}. 30 IN A 10.245.1.10`,
  ]),
  a(
    'success: the view cluster lacks the hostname, another cluster answers',
    'R17.4',
    `db-1.db.${NS}`,
    'A',
    [`db-1.db.${NS}. 60 IN A 10.245.1.11`],
    'vm-bookinfo'
  ),
  a(
    'success: ServiceEntry auto-allocated VIP of the view cluster',
    'R17.5',
    'api.internal.example.com',
    'A',
    ['api.internal.example.com. 30 IN A 240.240.0.10'],
    'vm-bookinfo'
  ),
  a(
    'success: ServiceEntry auto-allocated VIP of the other cluster',
    'R17.5',
    'api.internal.example.com',
    'AAAA',
    ['api.internal.example.com. 60 IN AAAA 2001:2::4d'],
    'vm-west'
  ),
  a('success: ServiceEntry without view cluster, the first cluster by name', 'R17.5', 'api.internal.example.com', 'A', [
    'api.internal.example.com. 30 IN A 240.240.0.10',
  ]),
  {
    name: "refused: the view cluster's entry has no usable address; never another cluster's VIP",
    rule: 'R17.5',
    fixtures,
    view: 'vm-bookinfo',
    qname: 'legacy-db.example.com',
    qtype: 'A',
    rcode: 'REFUSED',
    answer: [],
  },
  a(
    'success: the cluster whose entry has the VIP answers its own view',
    'R17.5',
    'legacy-db.example.com',
    'A',
    ['legacy-db.example.com. 60 IN A 240.240.0.88'],
    'vm-west'
  ),
  a(
    'success: a second cluster domain is a separate zone',
    'R17.6',
    'reviews.bookinfo.svc.cluster.remote',
    'A',
    ['reviews.bookinfo.svc.cluster.remote. 30 IN A 10.100.0.7'],
    'vm-bookinfo'
  ),
  {
    name: "nxdomain: a missing name in the second zone carries that zone's SOA",
    rule: 'R17.6',
    fixtures,
    view: 'vm-bookinfo',
    qname: 'east-only.bookinfo.svc.cluster.remote',
    qtype: 'A',
    rcode: 'NXDOMAIN',
    answer: [],
    authority: [REMOTE],
  },
  {
    name: 'refused: a service of another cluster domain gets no alias',
    rule: 'R15.2',
    fixtures,
    view: 'vm-bookinfo',
    qname: 'remote-only.bookinfo',
    qtype: 'A',
    rcode: 'REFUSED',
    answer: [],
  },
  a(
    "success: aliases follow the view cluster's domain",
    'R2.4',
    'reviews.bookinfo',
    'A',
    ['reviews.bookinfo. 30 IN A 10.100.0.7'],
    'vm-remote'
  ),
  a(
    "success: single-label alias in the view cluster's domain",
    'R2.4',
    'remote-only',
    'A',
    ['remote-only. 30 IN A 10.100.0.9'],
    'vm-remote'
  ),
  {
    name: 'refused: names of the default domain have no aliases in a cluster.remote view',
    rule: 'R2.4',
    fixtures,
    view: 'vm-remote',
    qname: 'east-only.bookinfo',
    qtype: 'A',
    rcode: 'REFUSED',
    answer: [],
  },
  a(
    'success: a view cluster without a snapshot uses the default domain for aliases',
    'R2.4',
    'reviews',
    'A',
    ['reviews. 30 IN A 10.96.1.7'],
    'vm-south'
  ),
  a(
    'success: PTR from the view cluster',
    'R17.7',
    '8.1.96.10.in-addr.arpa',
    'PTR',
    [`8.1.96.10.in-addr.arpa. 30 IN PTR ratings.${NS}.`],
    'vm-bookinfo'
  ),
  a(
    "success: the same address in the other cluster's view",
    'R17.7',
    '8.1.96.10.in-addr.arpa',
    'PTR',
    [`8.1.96.10.in-addr.arpa. 60 IN PTR details.${NS}.`],
    'vm-west'
  ),
  a("success: no view cluster, every cluster's name for the address", 'R17.7', '8.1.96.10.in-addr.arpa', 'PTR', [
    `8.1.96.10.in-addr.arpa. 30 IN PTR ratings.${NS}.`,
    `8.1.96.10.in-addr.arpa. 30 IN PTR details.${NS}.`,
  ]),
  a(
    'success: CNAME and target carry the ttls of their own snapshots',
    'R19.1',
    `to-east.${NS}`,
    'A',
    [`to-east.${NS}. 60 IN CNAME east-only.${NS}.`, `east-only.${NS}. 30 IN A 10.96.1.50`],
    'vm-west'
  ),
  a('success: the SOA of a zone fed by two snapshots', 'R9.1', 'cluster.local', 'SOA', [LOCAL], 'vm-west'),
]
