/**
 * Child process of the sync part: the tests' fake Kubernetes API server (test/sync/k8s-api.ts)
 * holding the synthetic cluster, plus a control port that applies one change on request.
 * Usage: api-server.ts <services> <kubeconfig path>. Prints one JSON line when ready: ApiReady.
 */
import { writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { FakeKubeApi } from '../../test/sync/k8s-api.ts'
import { syntheticSnapshot } from '../synthetic.ts'
import { changeObjects, clusterObjects } from './cluster.ts'

export interface ApiReady {
  control: number
  counts: Record<string, number>
}

/** The answer of POST /change?n=: what to ask for, and when the API server applied it. */
export interface Applied {
  name: string
  ip: string
  at: number
}

const [services, kubeconfig] = process.argv.slice(2) as [string, string]
const snapshot = syntheticSnapshot({ services: Number(services) })
const api = await FakeKubeApi.start({ istio: true })
const counts: Record<string, number> = {}
for (const [plural, obj] of clusterObjects(snapshot)) {
  api.apply(plural, obj)
  counts[plural] = (counts[plural] ?? 0) + 1
}
writeFileSync(kubeconfig, api.kubeConfigYaml())
const namespace = snapshot.namespaces![1]!

const control = createServer((req, res) => {
  const n = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('n'))
  const change = changeObjects(n, namespace)
  for (const [plural, obj] of change.objects) api.apply(plural, obj)
  const body: Applied = { name: change.name, ip: change.ip, at: Date.now() }
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body))
})
await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve))
const ready: ApiReady = { control: (control.address() as AddressInfo).port, counts }
process.stdout.write(JSON.stringify(ready) + '\n')
process.on('SIGTERM', () => {
  control.close()
  void api.close().then(() => process.exit(0))
})
