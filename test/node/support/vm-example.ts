/**
 * The example values of README "Connect a VM", with the placeholder view id that
 * deploy/vm/dnsdist.conf carries: that file is `meshdoh vm`'s output for these (a test holds it to that).
 */
import type { VmOptions } from '../../../src/vm/generate.ts'

export const EXAMPLE: VmOptions = {
  viewId: 'REPLACE-WITH-THE-VIEW-ID',
  resolver: 'https://meshdoh.example.com',
  resolverAddress: '203.0.113.10',
  namespace: 'bookinfo',
  cluster: 'east-1',
  clusterDomain: 'cluster.local',
  serviceCIDRs: ['10.96.0.0/12', 'fd00:10:96::/112'],
  extraSearch: [],
  fallback: ['10.0.0.2'],
  caPem: '-----BEGIN CERTIFICATE-----\n(the --ca file)\n-----END CERTIFICATE-----\n',
  autoAllocatedVIPs: true,
  name: 'web-1',
}
