/**
 * The sync bundle under a Node older than package.json's `engines`: one clear line and exit 2,
 * instead of a stack trace from inside undici. Older Nodes are simulated by a preload that
 * rewrites process.versions, and, where the system has one, run for real.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pkg from '../../package.json' with { type: 'json' }
import { MIN_NODE, buildSync } from '../../scripts/build-sync.ts'
import { removeTempDirs, tempDir } from './support/temp.ts'

let dir: string
let bundle: string

beforeAll(async () => {
  dir = tempDir()
  bundle = await buildSync(join(dir, 'sync', 'main.mjs'))
}, 60_000)

afterAll(() => removeTempDirs())

/** Runs the bundle's --help with `process.versions.node` reading `version`. */
function helpAs(version: string, node = process.execPath) {
  const preload = join(dir, `as-${version}.mjs`)
  writeFileSync(preload, `Object.defineProperty(process.versions, 'node', { value: ${JSON.stringify(version)} })\n`)
  return spawnSync(node, ['--import', preload, bundle, '--help'], { encoding: 'utf8', timeout: 15_000 })
}

const refusal = (version: string) =>
  `meshdoh sync: Node.js ${MIN_NODE.join('.')} or newer is required; this is Node.js ${version}\n`

describe('the sync bundle checks the Node version first', () => {
  it('takes its minimum from package.json engines, which the docs state alike', () => {
    expect(pkg.engines.node).toBe(`>=${MIN_NODE.join('.')}.0`)
    const stated = ['README.md', 'deploy/node/README.md', 'deploy/node/meshdoh.service'].flatMap((file) =>
      [
        ...readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8').matchAll(
          /Node(?:\.js)? (\d+(?:\.\d+)?)(?:\+| or newer)/g
        ),
      ].map((m) => `${file}: ${m[1]}`)
    )
    expect(stated).toEqual([
      `README.md: ${MIN_NODE.join('.')}`,
      `deploy/node/README.md: ${MIN_NODE.join('.')}`,
      `deploy/node/meshdoh.service: ${MIN_NODE.join('.')}`,
    ])
  })

  it.each(['20.20.2', '22.14.0', '18.0.0'])('refuses Node %s with one line and exit 2', (version) => {
    const result = helpAs(version)
    expect({ status: result.status, stderr: result.stderr, stdout: result.stdout }).toEqual({
      status: 2,
      stderr: refusal(version),
      stdout: '',
    })
  })

  it.each(['22.15.0', '22.23.3', '24.1.0'])('runs on Node %s', (version) => {
    const result = helpAs(version)
    expect(result.status, result.stderr).toBe(0)
    expect(result.stdout).toContain('meshdoh sync')
  })

  // The simulation above stands in where no older Node is installed; here the real one runs.
  const system = spawnSync('/usr/bin/node', ['-p', 'process.versions.node'], { encoding: 'utf8' })
  const old = system.status === 0 && Number(system.stdout.split('.')[0]) < 22
  it.runIf(old)(`refuses the system's Node ${system.stdout.trim()} for real`, () => {
    const result = spawnSync('/usr/bin/node', [bundle, '--help'], { encoding: 'utf8', timeout: 15_000 })
    expect({ status: result.status, stderr: result.stderr }).toEqual({
      status: 2,
      stderr: refusal(system.stdout.trim()),
    })
  })
})
