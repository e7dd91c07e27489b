/** R14 wildcard ServiceEntry hosts: matching, most specific wins, wildcards inside a zone. */
import { serialOf, soa, type Case } from './case.ts'

const fixtures: Case['fixtures'] = ['wildcards']
const W = serialOf('wildcards')
const LOCAL = soa('cluster.local', 30, W)

/** An answer synthesised with the question as owner, no CNAME (R14.1). */
function match(name: string, rule: string, qname: string, ip: string, view?: string): Case {
  return { name, rule, fixtures, view, qname, qtype: 'A', rcode: 'NOERROR', answer: [`${qname}. 30 IN A ${ip}`] }
}

function refused(name: string, rule: string, qname: string, view?: string): Case {
  return { name, rule, fixtures, view, qname, qtype: 'A', rcode: 'REFUSED', answer: [] }
}

export const wildcardCases: Case[] = [
  match('success: one label in front of the suffix', 'R14.1', 'foo.wiki.example.com', '240.240.8.1'),
  match('success: several labels in front of the suffix', 'R14.1', 'a.b.wiki.example.com', '240.240.8.1'),
  match('success: mixed-case question, owner as asked', 'R1.3', 'FoO.WiKi.example.COM', '240.240.8.1'),
  match('success: an exact host beats every wildcard', 'R14.2', 'exact.wiki.example.com', '240.240.8.3'),
  match(
    'success: under an exact host the wildcard above it still matches',
    'R14.1',
    'a.exact.wiki.example.com',
    '240.240.8.1'
  ),
  match(
    'success: the suffix of a wildcard is matched by a shorter wildcard',
    'R14.1',
    'wiki.example.com',
    '240.240.8.2'
  ),
  match('success: the less specific wildcard answers elsewhere', 'R14.2', 'foo.example.com', '240.240.8.2'),
  refused('refused: a wildcard does not match its own suffix', 'R14.1', 'example.com'),
  match('success: the longest suffix wins (Istio a.b.wildcard)', 'R14.2', 'a.b.wildcard', '11.11.11.11'),
  match('success: Istio foo.wildcard', 'R14.1', 'foo.wildcard', '10.10.10.10'),
  match('success: *.b.wildcard does not match b.wildcard, *.wildcard does', 'R14.1', 'b.wildcard', '10.10.10.10'),
  refused('refused: wildcard alone', 'R14.1', 'wildcard'),
  {
    name: 'nodata: AAAA at a wildcard match, SOA owned by the matched name',
    rule: 'R10.2',
    fixtures,
    qname: 'foo.wiki.example.com',
    qtype: 'AAAA',
    rcode: 'NOERROR',
    answer: [],
    authority: [soa('foo.wiki.example.com', 30, W)],
  },
  {
    name: 'nodata: SRV at a wildcard match',
    rule: 'R6.8',
    fixtures,
    qname: 'foo.wiki.example.com',
    qtype: 'SRV',
    rcode: 'NOERROR',
    answer: [],
    authority: [soa('foo.wiki.example.com', 30, W)],
  },
  match(
    'success: a wildcard inside a zone answers an otherwise unknown name',
    'R14.3',
    'vm-17.legacy-vms.svc.cluster.local',
    '240.240.9.1'
  ),
  match(
    'success: several labels below a wildcard inside a zone',
    'R14.3',
    'a.b.legacy-vms.svc.cluster.local',
    '240.240.9.1'
  ),
  match(
    'success: an exact Kubernetes name beats a wildcard inside its zone',
    'R14.2',
    'known.legacy-vms.svc.cluster.local',
    '10.96.80.1'
  ),
  {
    name: 'nodata: AAAA at a wildcard match inside a zone carries the zone SOA',
    rule: 'R14.3',
    fixtures,
    qname: 'vm-17.legacy-vms.svc.cluster.local',
    qtype: 'AAAA',
    rcode: 'NOERROR',
    answer: [],
    authority: [LOCAL],
  },
  {
    name: 'nodata: the suffix of a wildcard inside a zone is an empty non-terminal',
    rule: 'R14.1',
    fixtures,
    qname: 'legacy-vms.svc.cluster.local',
    qtype: 'A',
    rcode: 'NOERROR',
    answer: [],
    authority: [LOCAL],
  },
  {
    name: 'nxdomain: outside the wildcard, the zone is still authoritative',
    rule: 'R14.3',
    fixtures,
    qname: 'vm-17.other-vms.svc.cluster.local',
    qtype: 'A',
    rcode: 'NXDOMAIN',
    answer: [],
    authority: [LOCAL],
  },
  match('success: DYNAMIC_DNS wildcard with an auto-allocated VIP', 'R13.7', 'x.dyn.example.org', '240.240.0.9'),
  refused(
    'refused: the same wildcard in a view without auto-allocated VIPs',
    'R13.7',
    'x.dyn.example.org',
    'vm-noauto'
  ),
  refused('refused: a wildcard with no usable address is not answered', 'R13.2', 'x.novip.example.org'),
  {
    name: 'success: the VIP of an exact host among wildcards has its PTR',
    rule: 'R7.4',
    fixtures,
    qname: '3.8.240.240.in-addr.arpa',
    qtype: 'PTR',
    rcode: 'NOERROR',
    answer: ['3.8.240.240.in-addr.arpa. 30 IN PTR exact.wiki.example.com.'],
  },
  {
    name: 'refused: wildcard VIPs get no PTR',
    rule: 'R7.4',
    fixtures,
    qname: '1.8.240.240.in-addr.arpa',
    qtype: 'PTR',
    rcode: 'REFUSED',
    answer: [],
  },
]
