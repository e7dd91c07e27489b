/**
 * Startup failures a new user meets first: each ends in one error line naming the cause and a
 * prompt exit 1, not a stack trace or a minute of retries. Loopback only: the unreachable
 * server is a port just closed on 127.0.0.1.
 */
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { SERVICE_ACCOUNT_TOKEN } from '../../src/sync/kubeconfig.ts'
import { FakeKubeApi } from './k8s-api.ts'
import { runSync, type Result } from './spawn.ts'

let home: string
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'meshdoh-sync-fail-'))
})
afterAll(async () => {
  await rm(home, { recursive: true })
})

const once = ['--cluster', 'east-1', '--once', '--dry-run', '--listen', 'off']
// Generous for a tsx start on a busy machine, far below the 60 s of retries these cases used to
// take (runSync kills the job at 15 s, which fails the exit code check too).
const PROMPT_MS = 12_000

/** The single line on stderr, parsed; fails on a stack trace or on more than one line. */
function onlyLine(result: Result): Record<string, unknown> {
  const lines = result.stderr.split('\n').filter(Boolean)
  expect(lines, result.stderr).toHaveLength(1)
  expect(result.stderr).not.toMatch(/^\s+at /m)
  return JSON.parse(lines[0]!) as Record<string, unknown>
}

async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

async function kubeconfigFile(name: string, server: string, token = 't'): Promise<string> {
  const path = join(home, name)
  await writeFile(
    path,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{name: c, cluster: {server: "${server}", insecure-skip-tls-verify: true}}]`,
      `users: [{name: u, user: {token: "${token}"}}]`,
      'contexts: [{name: x, context: {cluster: c, user: u}}]',
      'current-context: x',
    ].join('\n')
  )
  return path
}

describe('startup failures', () => {
  test.skipIf(existsSync(SERVICE_ACCOUNT_TOKEN))('no kubeconfig anywhere, outside a cluster', async () => {
    const result = await runSync(once, home)
    expect(result.code).toBe(1)
    expect(result.ms).toBeLessThan(PROMPT_MS)
    const line = onlyLine(result)
    expect(line['level']).toBe('error')
    expect(line['msg']).toContain('no kubeconfig found')
    expect(line['msg']).toContain('KUBECONFIG')
    expect(line['msg']).toContain(join(home, '.kube', 'config'))
  })

  test('a --kubeconfig file that does not exist', async () => {
    const missing = join(home, 'nope.yaml')
    const result = await runSync([...once, '--kubeconfig', missing], home)
    expect(result.code).toBe(1)
    expect(onlyLine(result)['msg']).toBe(`cannot load the kubeconfig ${missing} (--kubeconfig): no such file`)
  })

  test('a $KUBECONFIG file that does not exist', async () => {
    const missing = join(home, 'gone.yaml')
    const result = await runSync(once, home, { KUBECONFIG: missing })
    expect(result.code).toBe(1)
    expect(onlyLine(result)['msg']).toBe(`cannot load the kubeconfig ${missing} ($KUBECONFIG): no such file`)
  })

  test('a --context the kubeconfig does not have', async () => {
    const path = await kubeconfigFile('ctx.yaml', 'http://127.0.0.1:1')
    const result = await runSync([...once, '--kubeconfig', path, '--context', 'prod'], home)
    expect(result.code).toBe(1)
    expect(onlyLine(result)['msg']).toBe('--context prod: not in the kubeconfig (contexts: x)')
  })

  test('an API server that cannot be reached: the daemon names host:port and ECONNREFUSED, and exits', async () => {
    const port = await closedPort()
    const path = await kubeconfigFile('refused.yaml', `http://127.0.0.1:${port}`)
    const args = ['--cluster', 'east-1', '--dry-run', '--listen', 'off', '--kubeconfig', path]
    const result = await runSync(args, home)
    expect(result.code).toBe(1)
    expect(result.ms).toBeLessThan(PROMPT_MS)
    const line = onlyLine(result)
    expect(line['level']).toBe('error')
    expect(line['server']).toBe(`127.0.0.1:${port}`)
    expect(line['msg']).toContain(`the Kubernetes API server at 127.0.0.1:${port}`)
    expect(line['msg']).toContain('ECONNREFUSED')
  })

  test('credentials the API server refuses (401)', async () => {
    const api = await FakeKubeApi.start()
    try {
      const path = await kubeconfigFile('bad-token.yaml', api.url, 'wrong')
      const result = await runSync([...once, '--kubeconfig', path], home)
      expect(result.code).toBe(1)
      expect(onlyLine(result)['msg']).toContain('refused the kubeconfig')
    } finally {
      await api.close()
    }
  })
})
