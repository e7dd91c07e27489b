/**
 * unbound 1.17 as a DoH server with the same names as local-data: every name the snapshot
 * answers with addresses in the empty view (and every name the benchmark asks), with exactly
 * the A records meshdoh answers, under a static cluster.local zone so that absent names are
 * NXDOMAIN with an SOA, as meshdoh answers them.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { answerQuestion } from '../../src/dns/answer.ts'
import type { NameLookup } from '../../src/dns/lookup.ts'
import { compileData } from '../../src/registry/compile.ts'
import { packRegistry } from '../../src/registry/pack.ts'
import { PackedIndex } from '../../src/registry/packed.ts'
import { Registry } from '../../src/registry/registry.ts'
import type { Snapshot } from '../../src/registry/schema.ts'
import { EMPTY_VIEW } from '../../src/registry/views.ts'
import type { TlsPair } from './tls.ts'

function aRecords(lookup: NameLookup, name: string): string[] {
  const { answer } = answerQuestion(lookup, { name, type: 1, class: 1 })
  if (answer.rcode !== 0 || answer.answer.some((rr) => rr.type !== 'A')) return []
  return answer.answer.map((rr) => `local-data: "${name}. ${rr.ttl} IN A ${String(rr.data)}"`)
}

export function localData(snapshot: Snapshot, asked: readonly string[]): string[] {
  const data = compileData([snapshot], { defaultDomain: 'cluster.local' })
  const lookup = new Registry(new PackedIndex(packRegistry(data))).forView(EMPTY_VIEW)
  const names = new Set([...data.names.keys(), ...asked])
  const soa = 'ns.dns.cluster.local. hostmaster.cluster.local. 1 7200 1800 86400 30'
  return [
    `local-zone: "cluster.local." static`,
    `local-data: "cluster.local. 30 IN SOA ${soa}"`,
    ...[...names].flatMap((n) => aRecords(lookup, n)),
  ]
}

export function writeUnboundConfig(
  dir: string,
  port: number,
  tls: TlsPair,
  data: readonly string[],
  threads = 1
): string {
  const path = join(dir, 'unbound.conf')
  const lines = [
    'server:',
    `  interface: 127.0.0.1@${port}`,
    `  https-port: ${port}`,
    '  http-endpoint: "/dns-query"',
    '  http-notls-downstream: no',
    `  tls-service-key: "${tls.key}"`,
    `  tls-service-pem: "${tls.cert}"`,
    `  num-threads: ${threads}`,
    '  incoming-num-tcp: 200',
    '  do-ip6: no',
    '  do-daemonize: no',
    '  use-systemd: no',
    '  chroot: ""',
    '  username: ""',
    `  directory: "${dir}"`,
    '  pidfile: ""',
    '  use-syslog: no',
    '  logfile: ""',
    '  verbosity: 0',
    '  module-config: "iterator"',
    '  access-control: 127.0.0.0/8 allow',
    '  so-reuseport: no',
    ...data.map((l) => `  ${l}`),
    'remote-control:',
    '  control-enable: no',
    '',
  ]
  writeFileSync(path, lines.join('\n'))
  return path
}
