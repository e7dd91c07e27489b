/** One h2load run: GET requests over TLS h2, a fixed duration after a warm-up, per-request log. */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CLIENT_CPU, run } from '../proc.ts'
import { mean, quantile } from '../stats.ts'

export interface LoadShape {
  clients: number
  streams: number
  seconds: number
  warmUpSeconds: number
}

export interface LoadResult {
  rps: number
  meanMs: number
  p99Ms: number
  requests: number
  failed: number
  non2xx: number
}

/** Writes the URI list h2load cycles through (every client, in order). */
export function writeUris(dir: string, name: string, port: number, paths: readonly string[]): string {
  const file = join(dir, `${name}.uris`)
  writeFileSync(file, paths.map((p) => `https://127.0.0.1:${port}${p}`).join('\n') + '\n')
  return file
}

export async function h2load(uris: string, port: number, shape: LoadShape, log: string): Promise<LoadResult> {
  writeFileSync(log, '')
  const args = [
    '-c',
    String(shape.clients),
    '-m',
    String(shape.streams),
    '-t',
    '1',
    '-D',
    String(shape.seconds),
    '--warm-up-time',
    String(shape.warmUpSeconds),
    '-i',
    uris,
    '--log-file',
    log,
    `https://127.0.0.1:${port}`,
  ]
  const out = await run('h2load', args, {
    cpu: CLIENT_CPU,
    timeoutMs: (shape.seconds + shape.warmUpSeconds + 20) * 1000,
  })
  if (out.code !== 0)
    throw new Error(`h2load failed (${out.code}): ${out.stdout.slice(-1500)}${out.stderr.slice(-1500)}`)
  const rps = Number(/finished in [\d.]+\w+, ([\d.]+) req\/s/.exec(out.stdout)?.[1])
  const counts = /requests: (\d+) total, \d+ started, \d+ done, \d+ succeeded, (\d+) failed/.exec(out.stdout)
  const status = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(out.stdout)
  if (!Number.isFinite(rps) || !counts || !status)
    throw new Error(`unexpected h2load output:\n${out.stdout.slice(-2000)}`)
  // The log has the warm-up too: keep the requests that started in the measured window.
  const rows = readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split('\t').map(Number))
  let lastStart = 0
  for (const r of rows) lastStart = Math.max(lastStart, r[0]!)
  const from = lastStart - shape.seconds * 1e6
  const durations = rows.filter((r) => r[0]! >= from && r[1] === 200).map((r) => r[2]! / 1000)
  return {
    rps,
    meanMs: mean(durations),
    p99Ms: quantile(durations, 0.99),
    requests: Number(counts[1]),
    failed: Number(counts[2]),
    non2xx: Number(status[2]) + Number(status[3]) + Number(status[4]),
  }
}
