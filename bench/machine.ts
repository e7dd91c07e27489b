/** The machine and the versions a run used, for the head of BENCHMARKS.md. */
import { readFileSync } from 'node:fs'
import { availableParallelism, release, totalmem } from 'node:os'
import { createRequire } from 'node:module'
import { run } from './proc.ts'

export interface Machine {
  cpu: string
  cores: number
  memoryGiB: number
  kernel: string
}

export function machine(): Machine {
  const info = readFileSync('/proc/cpuinfo', 'utf8')
  const cpu = /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? 'unknown'
  return {
    cpu,
    cores: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
  }
}

async function firstLine(command: string, args: string[], pattern?: RegExp): Promise<string> {
  try {
    const out = await run(command, args, { timeoutMs: 10_000, quiet: true })
    const text = out.stdout + out.stderr
    return (pattern ? pattern.exec(text)?.[0] : text.split('\n').find((l) => l.trim() !== ''))?.trim() ?? 'unknown'
  } catch {
    return 'not installed'
  }
}

const require = createRequire(import.meta.url)
/** The installed version, read from node_modules (some packages do not export package.json). */
function packageVersion(name: string): string {
  try {
    const file = new URL(`../node_modules/${name}/package.json`, import.meta.url)
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version
  } catch {
    return 'not installed'
  }
}

/** The meshdoh commit; "+ changes" when the working tree differs from it. */
export async function commit(): Promise<string> {
  const head = (await run('git', ['rev-parse', '--short', 'HEAD'], { timeoutMs: 10_000, quiet: true })).stdout.trim()
  const dirty = (
    await run('git', ['status', '--porcelain', '--', 'src'], { timeoutMs: 10_000, quiet: true })
  ).stdout.trim()
  return dirty ? `${head} + uncommitted changes in src/` : head
}

export async function versions(): Promise<Record<string, string>> {
  return {
    node: process.version,
    unbound: await firstLine('unbound', ['-V'], /Version \S+/),
    h2load: await firstLine('h2load', ['--version']),
    workerd: await firstLine(require.resolve('workerd/package.json').replace(/package\.json$/, 'bin/workerd'), [
      '--version',
    ]),
    wrangler: packageVersion('wrangler'),
    miniflare: packageVersion('miniflare'),
    hono: packageVersion('hono'),
    '@hono/node-server': packageVersion('@hono/node-server'),
    'meshdoh commit': await commit(),
  }
}
