/** R13 ServiceEntries: which addresses count, merging, precedence, auto-allocated VIPs. */
import { serialOf, soa, type Case } from './case.ts'

const fixtures: Case['fixtures'] = ['service-entries']
const S = serialOf('service-entries')
const LOCAL = soa('cluster.local', 30, S)

/** An A or AAAA answer at a host outside the zones (R13.1). */
function hostCase(name: string, rule: string, qname: string, qtype: 'A' | 'AAAA', ips: string[], view?: string): Case {
  return {
    name,
    rule,
    fixtures,
    view,
    qname,
    qtype,
    rcode: 'NOERROR',
    answer: ips.map((ip) => `${qname}. 30 IN ${qtype} ${ip}`),
  }
}

function refused(name: string, rule: string, qname: string, qtype: string, view?: string): Case {
  return { name, rule, fixtures, view, qname, qtype, rcode: 'REFUSED', answer: [] }
}

/** NODATA at a host outside the zones: the SOA is owned by the host (R10.2). */
function hostNodata(name: string, rule: string, qname: string, qtype: string): Case {
  return { name, rule, fixtures, qname, qtype, rcode: 'NOERROR', answer: [], authority: [soa(qname, 30, S)] }
}

export const serviceEntryCases: Case[] = [
  hostCase('success: IPs and /32 count, other CIDRs are ignored', 'R13.2', 'static.example.com', 'A', [
    '240.240.1.10',
    '192.168.7.7',
  ]),
  hostCase('success: a /128 counts as its address', 'R13.2', 'static.example.com', 'AAAA', ['2001:db8::7']),
  hostCase(
    'success: every host of an entry answers every address; hosts are normalised',
    'R13.1',
    'static2.example.com',
    'A',
    ['240.240.1.10', '192.168.7.7']
  ),
  refused('refused: an entry whose only address is a CIDR is not answered', 'R13.2', 'cidr.example.com', 'A'),
  hostCase('success: auto-allocated VIP for this host only', 'R13.7', 'auto1.example.com', 'A', ['240.240.0.1']),
  hostCase('success: auto-allocated IPv6 VIP for this host only', 'R13.7', 'auto1.example.com', 'AAAA', ['2001:2::1']),
  hostCase('success: the other host of the entry has its own VIP', 'R13.2', 'auto2.example.com', 'A', ['240.240.0.2']),
  refused(
    'refused: view without auto-allocated VIPs and nothing else to answer',
    'R13.7',
    'auto1.example.com',
    'A',
    'vm-noauto'
  ),
  hostCase('success: spec addresses and auto-allocated VIPs together', 'R13.2', 'mixed.example.com', 'A', [
    '240.240.3.3',
    '240.240.0.3',
  ]),
  hostCase(
    'success: view without auto-allocated VIPs keeps spec addresses',
    'R13.7',
    'mixed.example.com',
    'A',
    ['240.240.3.3'],
    'vm-noauto'
  ),
  hostCase('success: resolution NONE without VIP answers endpoint addresses', 'R13.2', 'none.example.com', 'A', [
    '192.168.60.1',
    '192.168.60.2',
  ]),
  hostCase('success: endpoint addresses by family', 'R13.2', 'none.example.com', 'AAAA', ['fd00:60::2']),
  hostCase('success: an allocated VIP hides the endpoints', 'R13.2', 'dnsauto.example.com', 'A', ['240.240.0.4']),
  hostCase(
    'success: without auto-allocated VIPs the endpoints answer',
    'R13.7',
    'dnsauto.example.com',
    'A',
    ['192.168.61.1'],
    'vm-noauto'
  ),
  refused('refused: resolution DNS with no VIP and no endpoints, outside the zones', 'R13.2', 'novip.example.com', 'A'),
  {
    name: 'nxdomain: resolution DNS with no VIP and no endpoints, inside the zone',
    rule: 'R13.2',
    fixtures,
    qname: 'novip.vm.svc.cluster.local',
    qtype: 'A',
    rcode: 'NXDOMAIN',
    answer: [],
    authority: [LOCAL],
  },
  hostCase('success: two entries in one namespace with one host merge', 'R13.3', 'multi.example.com', 'A', [
    '240.240.4.1',
    '240.240.4.2',
  ]),
  hostCase(
    'success: one host in three namespaces, the view namespace wins',
    'R13.6',
    'shared.example.com',
    'A',
    ['240.240.5.3'],
    'vm-vm'
  ),
  hostCase(
    'success: one host in three namespaces, none the view, lowest namespace wins',
    'R13.6',
    'shared.example.com',
    'A',
    ['240.240.5.1'],
    'vm-bookinfo'
  ),
  hostCase(
    'success: one host in three namespaces, empty view, lowest namespace wins',
    'R13.6',
    'shared.example.com',
    'A',
    ['240.240.5.1']
  ),
  hostCase(
    'success: a Service beats a ServiceEntry for its own name',
    'R13.5',
    'cart.shop.svc.cluster.local',
    'A',
    ['10.96.70.1'],
    'vm-bookinfo'
  ),
  hostCase(
    'success: a Service beats a ServiceEntry for its own name, empty view',
    'R13.5',
    'cart.shop.svc.cluster.local',
    'A',
    ['10.96.70.1']
  ),
  hostCase(
    'success: an entry in the view namespace beats a Service of another namespace',
    'R13.6',
    'cart.shop.svc.cluster.local',
    'A',
    ['240.240.6.7'],
    'vm-vm'
  ),
  hostCase('success: an exact ServiceEntry host outranks an alias of the same spelling', 'R2.2', 'cart.shop', 'A', [
    '240.240.6.8',
  ]),
  refused(
    'refused: the VIP of a shadowed entry gets no PTR',
    'R13.5',
    '6.6.240.240.in-addr.arpa',
    'PTR',
    'vm-bookinfo'
  ),
  hostNodata('nodata: TXT at a ServiceEntry host', 'R13.4', 'static.example.com', 'TXT'),
  hostNodata('nodata: MX at a ServiceEntry host', 'R13.4', 'static.example.com', 'MX'),
  hostNodata('nodata: CNAME at a ServiceEntry host', 'R13.4', 'static.example.com', 'CNAME'),
  hostNodata('nodata: SRV at a ServiceEntry host', 'R6.8', 'static.example.com', 'SRV'),
  hostNodata('nodata: AAAA at an IPv4-only ServiceEntry host', 'R12.2', 'multi.example.com', 'AAAA'),
  refused('refused: a named port under a ServiceEntry host', 'R6.8', '_http._tcp.static.example.com', 'SRV'),
  hostCase('success: a host inside the zone', 'R13.1', 'db.vm.svc.cluster.local', 'A', ['240.240.7.1']),
  {
    name: 'nodata: AAAA at a host inside the zone carries the zone SOA',
    rule: 'R13.1',
    fixtures,
    qname: 'db.vm.svc.cluster.local',
    qtype: 'AAAA',
    rcode: 'NOERROR',
    answer: [],
    authority: [LOCAL],
  },
  {
    name: 'nxdomain: a sibling of a host inside the zone',
    rule: 'R13.1',
    fixtures,
    qname: 'other.vm.svc.cluster.local',
    qtype: 'A',
    rcode: 'NXDOMAIN',
    answer: [],
    authority: [LOCAL],
  },
  {
    name: 'nodata: the namespace of a host inside the zone is an empty non-terminal',
    rule: 'R10.3',
    fixtures,
    qname: 'vm.svc.cluster.local',
    qtype: 'A',
    rcode: 'NOERROR',
    answer: [],
    authority: [LOCAL],
  },
  {
    name: 'success: a spec VIP answers one PTR per host of the entry',
    rule: 'R7.4',
    fixtures,
    qname: '10.1.240.240.in-addr.arpa',
    qtype: 'PTR',
    rcode: 'NOERROR',
    answer: [
      '10.1.240.240.in-addr.arpa. 30 IN PTR static.example.com.',
      '10.1.240.240.in-addr.arpa. 30 IN PTR static2.example.com.',
    ],
  },
  {
    name: 'success: an auto-allocated VIP answers the PTR of its host only',
    rule: 'R7.4',
    fixtures,
    qname: '1.0.240.240.in-addr.arpa',
    qtype: 'PTR',
    rcode: 'NOERROR',
    answer: ['1.0.240.240.in-addr.arpa. 30 IN PTR auto1.example.com.'],
  },
  refused(
    'refused: an auto-allocated VIP the view does not use has no PTR',
    'R7.4',
    '1.0.240.240.in-addr.arpa',
    'PTR',
    'vm-noauto'
  ),
  {
    name: 'success: PTR of the VIP of the namespace that wins for the view',
    rule: 'R7.4',
    fixtures,
    view: 'vm-bookinfo',
    qname: '1.5.240.240.in-addr.arpa',
    qtype: 'PTR',
    rcode: 'NOERROR',
    answer: ['1.5.240.240.in-addr.arpa. 30 IN PTR shared.example.com.'],
  },
  refused(
    'refused: the VIP of a namespace that loses for the view answers no PTR',
    'R7.4',
    '1.5.240.240.in-addr.arpa',
    'PTR',
    'vm-vm'
  ),
  {
    name: 'success: PTR of the VIP of an entry in the view namespace that beats a Service',
    rule: 'R7.4',
    fixtures,
    view: 'vm-vm',
    qname: '7.6.240.240.in-addr.arpa',
    qtype: 'PTR',
    rcode: 'NOERROR',
    answer: ['7.6.240.240.in-addr.arpa. 30 IN PTR cart.shop.svc.cluster.local.'],
  },
]
