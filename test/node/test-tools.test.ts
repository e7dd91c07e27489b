/**
 * `npm test`'s pretest (scripts/ensure-test-tools.sh), against stand-ins: a PATH holding only
 * fake tools, a fake `id` that says who runs it, and a fake apt-get and systemctl that record
 * what they were asked. Nothing is installed for real.
 */
import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import pkg from '../../package.json' with { type: 'json' }
import { removeTempDirs, tempDir } from './support/temp.ts'

const root = fileURLToPath(new URL('../../', import.meta.url))
const script = join(root, 'scripts/ensure-test-tools.sh')
const TOOLS = ['dig', 'kdig', 'dnsperf', 'dnsdist', 'curl', 'openssl']

afterAll(() => removeTempDirs())

function fake(bin: string, name: string, body: string): void {
  writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`)
  chmodSync(join(bin, name), 0o755)
}

/** Runs the script with only `present` installed, as uid `uid`; returns what it did. */
function ensure(present: string[], uid: number, withApt = true) {
  const bin = tempDir()
  const log = join(bin, 'calls.log')
  for (const tool of present) fake(bin, tool, 'exit 0')
  fake(bin, 'id', `echo ${uid}`)
  if (withApt) fake(bin, 'apt-get', `echo "apt-get $*" >>${log}`)
  fake(bin, 'systemctl', `echo "systemctl $*" >>${log}`)
  const result = spawnSync('/bin/sh', [script], {
    env: { PATH: bin } as unknown as NodeJS.ProcessEnv,
    encoding: 'utf8',
    timeout: 10_000,
  })
  const calls = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []
  return { status: result.status, stderr: result.stderr, stdout: result.stdout, calls }
}

describe('npm test installs its tools (scripts/ensure-test-tools.sh)', () => {
  it('runs before every npm test', () => {
    expect(pkg.scripts.pretest).toBe('sh scripts/ensure-test-tools.sh')
  })

  it("is all CI installs: .ci/run runs the README's npm test after npm ci, nothing of its own", () => {
    const commands = readFileSync(join(root, '.ci/run'), 'utf8')
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#') && !line.startsWith('set ') && !line.startsWith('cd '))
    expect(commands).toEqual([
      'npm ci --no-audit --no-fund',
      'npm run typecheck',
      'npm run lint',
      'npm run format',
      'npm test',
    ])
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toContain('\nnpm test ')
  })

  it('does nothing, silently, when every tool is there', () => {
    expect(ensure(TOOLS, 0)).toEqual({ status: 0, stderr: '', stdout: '', calls: [] })
  })

  it('as root: installs the missing packages with apt-get, quietly, and stops the dnsdist service', () => {
    const got = ensure(['dig', 'curl', 'openssl'], 0)
    expect(got.status, got.stderr).toBe(0)
    expect(got.calls).toEqual([
      'apt-get update -qq',
      'apt-get install -y -qq --no-install-recommends knot-dnsutils dnsperf dnsdist ca-certificates',
      'systemctl stop dnsdist',
    ])
    expect(got.stderr).toBe('meshdoh: installing the tools the interop tests run: knot-dnsutils dnsperf dnsdist\n')
  })

  it('as root, with dnsdist already there: no service to stop', () => {
    const got = ensure(['dnsdist', 'curl', 'openssl', 'kdig', 'dnsperf'], 0)
    expect(got.calls).toEqual([
      'apt-get update -qq',
      'apt-get install -y -qq --no-install-recommends bind9-dnsutils ca-certificates',
    ])
  })

  it('not root: names the missing packages and fails before the tests run', () => {
    const got = ensure(['curl', 'openssl'], 1000)
    expect(got.status).toBe(1)
    expect(got.calls).toEqual([])
    expect(got.stderr).toContain('missing packages: bind9-dnsutils knot-dnsutils dnsperf dnsdist\n')
    expect(got.stderr).toContain('sudo apt-get install bind9-dnsutils knot-dnsutils dnsperf dnsdist')
  })

  it('root without apt-get (not Debian): names them too', () => {
    const got = ensure(['dig', 'kdig', 'dnsperf', 'curl', 'openssl'], 0, false)
    expect(got.status).toBe(1)
    expect(got.stderr).toContain('missing packages: dnsdist\n')
  })

  it('knows every tool a test asks for, by the same package', () => {
    // Each requireTool(tool, package) in the tests must be one the script installs.
    const asked = new Set<string>()
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name)
        if (entry.isDirectory()) walk(path)
        else if (entry.name.endsWith('.ts'))
          for (const m of readFileSync(path, 'utf8').matchAll(/requireTool\('([^']+)', '([^']+)'\)/g))
            asked.add(`need ${m[1]} ${m[2]}`)
      }
    }
    walk(join(root, 'test'))
    expect(asked.size).toBeGreaterThan(0)
    const known = new Set(readFileSync(script, 'utf8').match(/^need \S+ \S+$/gm))
    expect([...asked].filter((line) => !known.has(line))).toEqual([])
  })
})
