/** R15 alias (short) names, as Istio's generateAltHosts builds them, for the view. */
import { serialOf, soa, type Case } from './case.ts'

const fixtures: Case['fixtures'] = ['bookinfo']
const B = serialOf('bookinfo')

function alias(name: string, qname: string, qtype: string, lines: string[], view?: string): Case {
  return { name, rule: 'R15.1', fixtures, view, qname, qtype, rcode: 'NOERROR', answer: lines }
}

function refused(name: string, rule: string, qname: string, view?: string): Case {
  return { name, rule, fixtures, view, qname, qtype: 'A', rcode: 'REFUSED', answer: [] }
}

export const aliasCases: Case[] = [
  alias(
    'success: single label in the view namespace',
    'productpage',
    'A',
    ['productpage. 30 IN A 10.96.0.20'],
    'vm-bookinfo'
  ),
  alias(
    'success: <name>.<ns>.',
    'productpage.bookinfo',
    'A',
    ['productpage.bookinfo. 30 IN A 10.96.0.20'],
    'vm-bookinfo'
  ),
  alias(
    'success: <name>.<ns>.svc.',
    'productpage.bookinfo.svc',
    'A',
    ['productpage.bookinfo.svc. 30 IN A 10.96.0.20'],
    'vm-bookinfo'
  ),
  alias(
    'success: mixed-case single label keeps its spelling',
    'ProductPage',
    'A',
    ['ProductPage. 30 IN A 10.96.0.20'],
    'vm-bookinfo'
  ),
  alias(
    'success: families split as for the FQDN',
    'reviews',
    'AAAA',
    ['reviews. 30 IN AAAA fd00:10:96::c07'],
    'vm-bookinfo'
  ),
  alias(
    'success: <name>.<ns>. from another namespace',
    'productpage.bookinfo',
    'A',
    ['productpage.bookinfo. 30 IN A 10.96.0.20'],
    'vm-vm'
  ),
  alias(
    'success: <name>.<ns>.svc. of another namespace',
    'istiod.istio-system.svc',
    'A',
    ['istiod.istio-system.svc. 30 IN A 10.96.0.50'],
    'vm-bookinfo'
  ),
  alias('success: two-label form without a view namespace, exported to *', 'productpage.bookinfo', 'A', [
    'productpage.bookinfo. 30 IN A 10.96.0.20',
  ]),
  alias(
    'success: headless service by single label',
    'mongodb',
    'A',
    ['mongodb. 30 IN A 10.244.1.9', 'mongodb. 30 IN A 10.244.2.4'],
    'vm-bookinfo'
  ),
  alias(
    'success: endpoint hostname as <host>.<svc>.',
    'mongodb-0.mongodb',
    'A',
    ['mongodb-0.mongodb. 30 IN A 10.244.1.9'],
    'vm-bookinfo'
  ),
  alias(
    'success: endpoint hostname as <host>.<svc>.<ns>.',
    'mongodb-1.mongodb.bookinfo',
    'A',
    ['mongodb-1.mongodb.bookinfo. 30 IN A 10.244.2.4'],
    'vm-vm'
  ),
  alias(
    'success: endpoint hostname as <host>.<svc>.<ns>.svc.',
    'mongodb-1.mongodb.bookinfo.svc',
    'A',
    ['mongodb-1.mongodb.bookinfo.svc. 30 IN A 10.244.2.4'],
    'vm-vm'
  ),
  {
    ...alias('success: SRV at an alias is the SRV of the FQDN, additionals included', 'productpage.bookinfo', 'SRV', [
      'productpage.bookinfo. 30 IN SRV 0 100 9080 productpage.bookinfo.svc.cluster.local.',
    ]),
    additional: ['productpage.bookinfo.svc.cluster.local. 30 IN A 10.96.0.20'],
  },
  {
    name: 'nodata: a matched alias without the asked family, SOA owned by the alias',
    rule: 'R15.3',
    fixtures,
    view: 'vm-bookinfo',
    qname: 'productpage',
    qtype: 'AAAA',
    rcode: 'NOERROR',
    answer: [],
    authority: [soa('productpage', 30, B)],
  },
  refused('refused: single label of another namespace', 'R15.1', 'productpage', 'vm-vm'),
  refused('refused: no single-label aliases without a view namespace', 'R15.1', 'productpage'),
  refused('refused: nothing longer than <name>.<ns>.svc.', 'R15.1', 'productpage.bookinfo.svc.cluster'),
  refused('refused: an unmatched single label is not NXDOMAIN', 'R15.3', 'nope', 'vm-bookinfo'),
  refused('refused: an unmatched <name>.<ns>. is not NXDOMAIN', 'R15.3', 'nope.bookinfo', 'vm-bookinfo'),
  refused('refused: ServiceEntry hosts inside the zone get no aliases', 'R15.4', 'mysql.vm', 'vm-vm'),
  refused('refused: ServiceEntry hosts get no single-label alias', 'R15.4', 'mysql', 'vm-vm'),
  refused('refused: ExternalName services get no aliases', 'R15.4', 'legacy', 'vm-bookinfo'),
  refused('refused: ExternalName services get no <name>.<ns>. alias', 'R15.4', 'legacy.bookinfo', 'vm-bookinfo'),
]
