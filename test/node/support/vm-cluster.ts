/**
 * The cluster of the VM end-to-end test, run as a process of its own inside the test's network
 * namespace: the fake Kubernetes API of the sync tests (test/sync/k8s-api.ts) holding a small
 * bookinfo, and the real sync job (run.ts startDaemon) pushing it to the resolver given as the
 * first argument, with the push token in MESHDOH_SYNC_TOKEN. Commands come on stdin, one JSON
 * object a line: {"apply": "<YAML of one object>"} or {"delete": {"plural", "namespace", "name"}}.
 * The job's log lines go to stdout as JSON ("snapshot accepted" after each push).
 */
import { createInterface } from 'node:readline'
import { loadYaml } from '@kubernetes/client-node'
import { pino } from 'pino'
import { readFlags } from '../../../src/sync/flags.ts'
import { SyncMetrics } from '../../../src/sync/metrics.ts'
import { startDaemon } from '../../../src/sync/run.ts'
import { toSettings } from '../../../src/sync/settings.ts'
import { FakeKubeApi } from '../../sync/k8s-api.ts'
import { endpointSlice, namespace, service, serviceEntry } from '../../sync/k8s-objects.ts'
import type { KubeObject, Plural } from '../../sync/k8s-store.ts'

const [target, ...extra] = process.argv.slice(2)
const api = await FakeKubeApi.start()
api.apply('namespaces', namespace('bookinfo'))
api.apply('namespaces', namespace('vm'))
api.apply('services', service('bookinfo', 'reviews', { clusterIPs: ['10.96.0.7', 'fd00:10:96::7'] }))
api.apply('services', service('bookinfo', 'ratings', { clusterIPs: ['10.96.0.8'] }))
api.apply('services', service('bookinfo', 'db', { headless: true }))
api.apply(
  'endpointslices',
  endpointSlice('bookinfo', 'db-abcde', 'db', 'IPv4', [
    { addresses: ['10.244.1.9'], hostname: 'db-0' },
    { addresses: ['10.244.1.10'], hostname: 'db-1' },
  ])
)
api.apply(
  'serviceentries',
  serviceEntry('bookinfo', 'legacy', {
    hosts: ['legacy.bookinfo.svc.cluster.local', 'payments.internal.example.com'],
    addresses: ['240.240.0.5'],
  })
)

const env = process.env as Record<string, string | undefined>
const flags = ['--cluster', 'east-1', '--target', target!, '--debounce', '50ms', '--debounce-max', '200ms']
flags.push('--retry-base', '50ms', '--retry-max', '500ms', '--listen', 'off', ...extra)
const settings = toSettings(readFlags(flags, env), env)
const log = pino({ level: 'info' }, pino.destination(1))
const daemon = await startDaemon({
  kc: api.kubeConfig(),
  settings,
  metrics: new SyncMetrics(),
  log,
  stdout: process.stdout,
})

const PLURALS: Record<string, Plural> = { ConfigMap: 'configmaps', Service: 'services', ServiceEntry: 'serviceentries' }
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === '') continue
  const command = JSON.parse(line) as { apply?: string; delete?: { plural: Plural; namespace: string; name: string } }
  if (command.apply !== undefined) {
    const obj = loadYaml<KubeObject>(command.apply)
    api.apply(PLURALS[obj.kind]!, obj)
    log.info({ kind: obj.kind, name: obj.metadata.name }, 'applied')
  } else if (command.delete !== undefined) {
    const { plural, namespace: ns, name } = command.delete
    log.info({ plural, name, deleted: api.delete(plural, ns, name) }, 'deleted')
  }
}
await daemon.stop()
await api.close()
