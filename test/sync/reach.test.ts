import { createServer as createHttpServer } from 'node:http'
import { createServer, type AddressInfo } from 'node:net'
import { KubeConfig } from '@kubernetes/client-node'
import { afterEach, expect, test } from 'vitest'
import { SyncMetrics } from '../../src/sync/metrics.ts'
import { checkApiServer, describeFailure, type ReachOptions } from '../../src/sync/reach.ts'
import { ClusterWatch } from '../../src/sync/watch.ts'
import { FakeKubeApi } from './k8s-api.ts'
import { captureLog, waitFor } from './harness.ts'

const quick: ReachOptions = { attempts: 2, timeoutMs: 200, retry: { baseMs: 10, maxMs: 20 } }

let stops: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const stop of stops.reverse()) await stop()
  stops = []
})

function kubeConfig(server: string): KubeConfig {
  const kc = new KubeConfig()
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  })
  return kc
}

async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** An HTTP server on loopback that answers every request with `status`, or never when undefined. */
async function answering(status: number | undefined): Promise<string> {
  const server = createHttpServer((_req, res) => status !== undefined && res.writeHead(status).end())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  stops.push(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

test('a server that answers passes; its credentials refused (401) is said at once', async () => {
  const api = await FakeKubeApi.start()
  stops.push(() => api.close())
  expect(await checkApiServer(api.kubeConfig(), quick)).toBeUndefined()
  const kc = api.kubeConfig()
  kc.users[0] = { name: 'fake', token: 'wrong' }
  expect(await checkApiServer(kc, quick)).toMatch(/at 127\.0\.0\.1:\d+ refused the kubeconfig's credentials \(401/)
})

test('refused, silent or failing servers: one line naming host:port and the cause, after the attempts', async () => {
  const port = await closedPort()
  expect(await checkApiServer(kubeConfig(`http://127.0.0.1:${port}`), quick)).toBe(
    `cannot reach the Kubernetes API server at 127.0.0.1:${port} (2 attempts): connect ECONNREFUSED 127.0.0.1:${port}`
  )
  const silent = await answering(undefined)
  expect(await checkApiServer(kubeConfig(silent), quick)).toMatch(/\(2 attempts\): no answer in time$/)
  expect(await checkApiServer(kubeConfig(await answering(503)), quick)).toMatch(/\(2 attempts\): HTTP 503$/)
  // A server the client refuses to talk to (plain HTTP with TLS verification on): no retry helps.
  const strict = kubeConfig(`http://127.0.0.1:${port}`)
  strict.clusters[0] = { ...strict.clusters[0]!, skipTLSVerify: false }
  expect(await checkApiServer(strict, quick)).toContain('HTTP protocol is not allowed')
})

test('after the start, list/watch failures name the cause too, not just "fetch failed"', async () => {
  const port = await closedPort()
  const logs = captureLog()
  const settings = { timeoutSeconds: 30, pageSize: 2, reconnect: { baseMs: 20, maxMs: 50 }, recheckMs: 60_000 }
  const watch = new ClusterWatch(
    kubeConfig(`http://127.0.0.1:${port}`),
    { ...settings, meshConfig: { namespace: 'istio-system', name: 'istio' } },
    new SyncMetrics(),
    logs.log
  )
  watch.start(() => {})
  stops.push(() => watch.stop())
  const warn = await waitFor(() => logs.records.find((r) => r['resource'] === 'services'))
  expect(warn['err']).toBe(`connect ECONNREFUSED 127.0.0.1:${port}`)
})

test('describeFailure: plain errors keep their first line', () => {
  expect(describeFailure(new Error('one\ntwo'))).toBe('one')
  expect(describeFailure('text')).toBe('text')
})
