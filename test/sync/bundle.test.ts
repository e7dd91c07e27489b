/**
 * The sync job as the container runs it: the esbuild bundle (scripts/build-sync.ts), started by
 * plain node from a directory with no node_modules, gives the same answers as the sources.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { SYNC_NODE_FLAGS, buildSync } from '../../scripts/build-sync.ts'
import { main } from '../../src/sync/cli.ts'
import { FakeKubeApi } from './k8s-api.ts'
import { endpointSlice, namespace, service, serviceEntry } from './k8s-objects.ts'

const root = fileURLToPath(new URL('../../', import.meta.url))

interface Result {
  code: number | null
  stdout: string
  stderr: string
}

function node(args: string[], cwd: string): Promise<Result> {
  // Only what the job needs: no KUBECONFIG or tokens leak in from the surrounding shell.
  const env = { PATH: process.env['PATH'] ?? '', HOME: dir } as unknown as NodeJS.ProcessEnv
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd, env, timeout: 15_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null
      resolve({ code, stdout, stderr })
    })
  })
}

let dir: string
let bundle: string
let api: FakeKubeApi
let kubeconfig: string
beforeAll(async () => {
  // Outside the repository, so that an import left out of the bundle cannot be found.
  dir = await mkdtemp(join(tmpdir(), 'meshdoh-sync-bundle-'))
  bundle = await buildSync(join(dir, 'sync', 'main.mjs'))
  api = await FakeKubeApi.start()
  api.apply('namespaces', namespace('bookinfo'))
  api.apply('services', service('bookinfo', 'reviews', { clusterIPs: ['10.96.12.7', 'fd00:10:96::c07'] }))
  api.apply('services', service('bookinfo', 'db', { headless: true }))
  api.apply(
    'endpointslices',
    endpointSlice('bookinfo', 'db-x1', 'db', 'IPv4', [
      { addresses: ['10.244.1.5'], hostname: 'db-0' },
      { addresses: ['10.244.2.6'], hostname: 'db-1', ready: false },
    ])
  )
  api.apply('endpointslices', endpointSlice('bookinfo', 'db-x2', 'db', 'IPv6', [{ addresses: ['fd00:244::5'] }]))
  api.apply(
    'serviceentries',
    serviceEntry('bookinfo', 'ext', { hosts: ['ext.example.com'], addresses: ['240.240.0.1'] })
  )
  kubeconfig = join(dir, 'kubeconfig')
  await writeFile(kubeconfig, api.kubeConfigYaml())
}, 60_000)
afterAll(async () => {
  await api?.close()
  if (dir) await rm(dir, { recursive: true })
})

test('--help exits 0 and prints the usage of the sources', async () => {
  let usage = ''
  expect(await main(['--help'], {}, { stdout: { write: (t: string) => (usage += t) }, stderr: process.stderr })).toBe(0)
  const { code, stdout, stderr } = await node([...SYNC_NODE_FLAGS, bundle, '--help'], dir)
  expect(code, stderr).toBe(0)
  expect(stdout).toContain('Usage:')
  expect(stdout).toBe(usage)
})

test('--once --dry-run prints the snapshot the sources print', async () => {
  const args = ['--cluster', 'east-1', '--once', '--dry-run', '--once-timeout', '5s', '--kubeconfig', kubeconfig]
  const [bundled, source] = await Promise.all([
    node([bundle, ...args], dir),
    node(['--import', 'tsx', 'src/sync/main.ts', ...args], root),
  ])
  expect(bundled.code, bundled.stderr).toBe(0)
  expect(source.code, source.stderr).toBe(0)
  const content = (stdout: string) => {
    const { revision: _r, generatedAt: _g, ...rest } = JSON.parse(stdout) as Record<string, unknown>
    return rest
  }
  const snapshot = content(bundled.stdout)
  expect(snapshot).toEqual(content(source.stdout))
  // Not two empty documents: the objects above are in it, the headless endpoints included.
  expect(snapshot).toMatchObject({
    cluster: 'east-1',
    services: [{ name: 'db', endpoints: expect.arrayContaining([expect.anything()]) as unknown }, { name: 'reviews' }],
    serviceEntries: [{ hosts: ['ext.example.com'] }],
  })
})

test("the container starts the bundle with the benchmark's V8 flags", async () => {
  const dockerfile = await readFile(join(root, 'deploy/sync.Dockerfile'), 'utf8')
  const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1]
  expect(JSON.parse(entrypoint ?? 'null')).toEqual(['node', ...SYNC_NODE_FLAGS, 'dist/sync/main.mjs'])
})
