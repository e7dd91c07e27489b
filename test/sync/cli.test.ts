import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { parseSnapshot } from '../../src/registry/validate.ts'
import { main } from '../../src/sync/cli.ts'
import { ENV_ONLY, SETTINGS } from '../../src/sync/flags.ts'
import { FakeKubeApi } from './k8s-api.ts'
import { namespace, service, serviceEntry } from './k8s-objects.ts'
import { FakeResolver } from './resolver.ts'
import { runSync, type Result } from './spawn.ts'

const sync = (args: string[], env: Record<string, string> = {}) => runSync(args, dir, env)

let dir: string
let api: FakeKubeApi
let kubeconfig: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshdoh-sync-cli-'))
  api = await FakeKubeApi.start()
  api.apply('namespaces', namespace('bookinfo'))
  api.apply('services', service('bookinfo', 'reviews', { clusterIPs: ['10.96.12.7', 'fd00:10:96::c07'] }))
  api.apply('services', service('bookinfo', 'db', { headless: true }))
  api.apply(
    'serviceentries',
    serviceEntry('bookinfo', 'ext', { hosts: ['ext.example.com'], addresses: ['240.240.0.1'] })
  )
  kubeconfig = join(dir, 'kubeconfig')
  await writeFile(kubeconfig, api.kubeConfigYaml())
})
afterAll(async () => {
  await api.close()
  await rm(dir, { recursive: true })
})

// Flag handling returns before any I/O, so it runs in-process; the rest spawns the real CLI.
async function inProcess(args: string[]): Promise<Omit<Result, 'ms'>> {
  let stdout = ''
  let stderr = ''
  const code = await main(
    args,
    {},
    { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } }
  )
  return { code, stdout, stderr }
}

test('--help documents every flag and environment variable', async () => {
  const { code, stdout } = await inProcess(['--help'])
  expect(code).toBe(0)
  for (const s of SETTINGS) {
    expect(stdout).toContain(`--${s.flag}`)
    if (s.env) expect(stdout).toContain(s.env)
  }
  for (const e of ENV_ONLY) expect(stdout).toContain(e.env)
})

test('a bad flag or value exits 2 with a message naming it', async () => {
  expect(await inProcess(['--no-such-flag'])).toMatchObject({
    code: 2,
    stderr: expect.stringContaining('no-such-flag'),
  })
  expect(await inProcess(['--dry-run'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--cluster') })
  expect(await inProcess(['--cluster', 'Bad_Name', '--dry-run'])).toMatchObject({
    code: 2,
    stderr: expect.stringContaining('DNS label'),
  })
  expect(await inProcess(['--cluster', 'c'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--target') })
  expect(await inProcess(['--cluster', 'c', '--dry-run', '--debounce', '5'])).toMatchObject({
    code: 2,
    stderr: expect.stringContaining('duration'),
  })
  expect(await inProcess(['--cluster', 'c', '--target', 'ftp://x'])).toMatchObject({ code: 2 })
})

test('--once --dry-run prints the snapshot it would push, as valid JSON on stdout, and exits', async () => {
  const { code, stdout, stderr } = await sync([
    '--cluster',
    'east-1',
    '--once',
    '--dry-run',
    '--once-timeout',
    '5s',
    '--kubeconfig',
    kubeconfig,
  ])
  expect(code, stderr).toBe(0)
  const checked = parseSnapshot(JSON.parse(stdout) as unknown, 'east-1')
  expect(checked.ok).toBe(true)
  if (!checked.ok) return
  expect(checked.snapshot.services.map((s) => s.name)).toEqual(['db', 'reviews'])
  expect(checked.snapshot.serviceEntries.map((s) => s.hosts)).toEqual([['ext.example.com']])
  // Logs went to stderr, as JSON lines with level names.
  const levels = stderr
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { level: unknown }).level)
  for (const level of levels) expect(['debug', 'info', 'warn', 'error']).toContain(level)
})

test('--once pushes to every target and exits 0 when all accepted, 1 when one refused', async () => {
  const [good, bad] = [await FakeResolver.start(), await FakeResolver.start()]
  try {
    bad.script(400)
    const args = ['--cluster', 'east-1', '--once', '--once-timeout', '5s', '--kubeconfig', kubeconfig]
    const [ok, refused] = await Promise.all([
      sync(args, { MESHDOH_SYNC_TOKEN: good.token, MESHDOH_SYNC_TARGETS: good.url }),
      sync([...args, '--target', good.url, '--target', bad.url], { MESHDOH_SYNC_TOKEN: good.token }),
    ])
    expect(ok.code, ok.stderr).toBe(0)
    expect(good.accepted('east-1')?.services).toHaveLength(2)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('resolver refused the snapshot')
    expect(refused.stderr).toMatch(/"level":"error"[^\n]*resolver refused the snapshot/)
  } finally {
    await good.close()
    await bad.close()
  }
})
