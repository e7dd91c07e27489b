/**
 * R18 exportTo: an invisible name does not exist anywhere. Objects live in team-a unless
 * named otherwise: public ["*"], private ["."], shared ["team-b"], hidden ["~"],
 * both [".", "team-b"], hdb (headless) ["."]; secret/vault ["."]; vm/partner ["team-a"].
 */
import { serialOf, soa, type Case } from './case.ts'

const fixtures: Case['fixtures'] = ['visibility']
const V = serialOf('visibility')
const LOCAL = soa('cluster.local', 30, V)
const A = 'team-a.svc.cluster.local'

function answers(name: string, rule: string, qname: string, qtype: string, lines: string[], view?: string): Case {
  return { name, rule, fixtures, view, qname, qtype, rcode: 'NOERROR', answer: lines }
}

function nxdomain(name: string, rule: string, qname: string, qtype: string, view?: string, authority = LOCAL): Case {
  return { name, rule, fixtures, view, qname, qtype, rcode: 'NXDOMAIN', answer: [], authority: [authority] }
}

function refused(name: string, rule: string, qname: string, qtype: string, view?: string): Case {
  return { name, rule, fixtures, view, qname, qtype, rcode: 'REFUSED', answer: [] }
}

export const visibilityCases: Case[] = [
  answers('success: exported to * is visible to the empty view', 'R18.1', `public.${A}`, 'A', [
    `public.${A}. 30 IN A 10.96.90.1`,
  ]),
  answers(
    'success: "." is visible in its own namespace',
    'R18.1',
    `private.${A}`,
    'A',
    [`private.${A}. 30 IN A 10.96.90.2`],
    'vm-team-a'
  ),
  nxdomain('nxdomain: "." is invisible to another namespace', 'R18.2', `private.${A}`, 'A', 'vm-team-b'),
  nxdomain('nxdomain: a view without namespace sees only *', 'R18.3', `private.${A}`, 'A'),
  answers(
    'success: exported to a named namespace',
    'R18.1',
    `shared.${A}`,
    'A',
    [`shared.${A}. 30 IN A 10.96.90.3`],
    'vm-team-b'
  ),
  nxdomain(
    'nxdomain: exported only elsewhere is invisible in its own namespace',
    'R18.1',
    `shared.${A}`,
    'A',
    'vm-team-a'
  ),
  nxdomain('nxdomain: "~" is visible to nobody, own namespace included', 'R18.1', `hidden.${A}`, 'A', 'vm-team-a'),
  nxdomain('nxdomain: "~" is visible to nobody, empty view', 'R18.1', `hidden.${A}`, 'AAAA'),
  answers(
    'success: [".", "team-b"] from its own namespace',
    'R18.1',
    `both.${A}`,
    'A',
    [`both.${A}. 30 IN A 10.96.90.5`],
    'vm-team-a'
  ),
  answers(
    'success: [".", "team-b"] from team-b',
    'R18.1',
    `both.${A}`,
    'A',
    [`both.${A}. 30 IN A 10.96.90.5`],
    'vm-team-b'
  ),
  nxdomain('nxdomain: [".", "team-b"] from a third namespace', 'R18.1', `both.${A}`, 'A', 'vm-vm'),
  nxdomain('nxdomain: ANY at an invisible name', 'R18.2', `private.${A}`, 'ANY', 'vm-team-b'),
  answers(
    'success: single-label alias of a visible service',
    'R18.2',
    'private',
    'A',
    ['private. 30 IN A 10.96.90.2'],
    'vm-team-a'
  ),
  refused('refused: alias of an invisible service', 'R18.2', 'private.team-a', 'A', 'vm-team-b'),
  answers(
    'success: alias of a service exported to the view namespace',
    'R18.2',
    'shared.team-a',
    'A',
    ['shared.team-a. 30 IN A 10.96.90.3'],
    'vm-team-b'
  ),
  nxdomain('nxdomain: SRV of an invisible service', 'R18.2', `_http._tcp.private.${A}`, 'SRV', 'vm-team-b'),
  {
    ...answers(
      'success: SRV of a visible service',
      'R18.2',
      `_http._tcp.private.${A}`,
      'SRV',
      [`_http._tcp.private.${A}. 30 IN SRV 0 100 80 private.${A}.`],
      'vm-team-a'
    ),
    additional: [`private.${A}. 30 IN A 10.96.90.2`],
  },
  answers(
    'success: PTR of a visible ClusterIP',
    'R18.2',
    '2.90.96.10.in-addr.arpa',
    'PTR',
    [`2.90.96.10.in-addr.arpa. 30 IN PTR private.${A}.`],
    'vm-team-a'
  ),
  nxdomain(
    'nxdomain: PTR of an invisible ClusterIP inside serviceCIDRs',
    'R18.2',
    '2.90.96.10.in-addr.arpa',
    'PTR',
    'vm-team-b',
    soa('90.96.10.in-addr.arpa', 30, V)
  ),
  answers(
    'success: endpoint hostname of a visible headless service',
    'R18.2',
    `hdb-0.hdb.${A}`,
    'A',
    [`hdb-0.hdb.${A}. 30 IN A 10.244.90.1`],
    'vm-team-a'
  ),
  nxdomain('nxdomain: endpoint hostname of an invisible headless service', 'R18.2', `hdb-0.hdb.${A}`, 'A', 'vm-team-b'),
  answers(
    'success: PTR of a visible endpoint',
    'R18.2',
    '1.90.244.10.in-addr.arpa',
    'PTR',
    [`1.90.244.10.in-addr.arpa. 30 IN PTR hdb-0.hdb.${A}.`],
    'vm-team-a'
  ),
  refused(
    'refused: PTR of an invisible endpoint outside serviceCIDRs',
    'R18.2',
    '1.90.244.10.in-addr.arpa',
    'PTR',
    'vm-team-b'
  ),
  nxdomain(
    'nxdomain: a namespace whose objects are all invisible',
    'R18.2',
    'secret.svc.cluster.local',
    'A',
    'vm-team-a'
  ),
  {
    name: 'nodata: a namespace with one visible object',
    rule: 'R10.3',
    fixtures,
    qname: A,
    qtype: 'A',
    rcode: 'NOERROR',
    answer: [],
    authority: [LOCAL],
  },
  answers(
    'success: ServiceEntry exported to the view namespace',
    'R18.1',
    'partner.example.com',
    'A',
    ['partner.example.com. 30 IN A 240.240.90.1'],
    'vm-team-a'
  ),
  refused(
    'refused: ServiceEntry exported only elsewhere, from its own namespace',
    'R18.1',
    'partner.example.com',
    'A',
    'vm-vm'
  ),
  refused('refused: ServiceEntry not exported to *, empty view', 'R18.3', 'partner.example.com', 'A'),
  answers(
    'success: wildcard exported to the view namespace',
    'R18.1',
    'x.partner.example.com',
    'A',
    ['x.partner.example.com. 30 IN A 240.240.90.2'],
    'vm-team-a'
  ),
  refused('refused: wildcard invisible to the view', 'R18.2', 'x.partner.example.com', 'A', 'vm-team-b'),
  answers(
    'success: PTR of a visible ServiceEntry VIP',
    'R18.2',
    '1.90.240.240.in-addr.arpa',
    'PTR',
    ['1.90.240.240.in-addr.arpa. 30 IN PTR partner.example.com.'],
    'vm-team-a'
  ),
  refused('refused: PTR of an invisible ServiceEntry VIP', 'R18.2', '1.90.240.240.in-addr.arpa', 'PTR', 'vm-vm'),
  answers(
    'success: in-zone host exported to "."',
    'R18.1',
    'vmonly.vm.svc.cluster.local',
    'A',
    ['vmonly.vm.svc.cluster.local. 30 IN A 240.240.90.3'],
    'vm-vm'
  ),
  nxdomain('nxdomain: in-zone host invisible to the view', 'R18.2', 'vmonly.vm.svc.cluster.local', 'A', 'vm-team-a'),
  nxdomain('nxdomain: the namespace of an invisible in-zone host', 'R18.2', 'vm.svc.cluster.local', 'A', 'vm-team-a'),
  {
    name: 'nodata: the namespace of a visible in-zone host',
    rule: 'R10.3',
    fixtures,
    view: 'vm-vm',
    qname: 'vm.svc.cluster.local',
    qtype: 'A',
    rcode: 'NOERROR',
    answer: [],
    authority: [LOCAL],
  },
  answers(
    'success: an ExternalName to a ServiceEntry host the view sees is chased',
    'R5.3',
    `to-partner.${A}`,
    'A',
    [`to-partner.${A}. 30 IN CNAME partner.example.com.`, 'partner.example.com. 30 IN A 240.240.90.1'],
    'vm-team-a'
  ),
  answers(
    'success: an ExternalName to a ServiceEntry host the view cannot see is the CNAME alone',
    'R5.2',
    `to-partner.${A}`,
    'A',
    [`to-partner.${A}. 30 IN CNAME partner.example.com.`],
    'vm-team-b'
  ),
  nxdomain(
    'nxdomain: search expansion of an invisible name',
    'R18.2',
    'private.team-a.team-b.svc.cluster.local',
    'A',
    'vm-team-b-search'
  ),
  answers(
    'success: search expansion of a name exported to the view',
    'R16.2',
    'shared.team-a.team-b.svc.cluster.local',
    'A',
    ['shared.team-a.team-b.svc.cluster.local. 30 IN CNAME shared.team-a.', 'shared.team-a. 30 IN A 10.96.90.3'],
    'vm-team-b-search'
  ),
]
