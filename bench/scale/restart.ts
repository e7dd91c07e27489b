/**
 * The Node server restarted over a data directory: time from spawn to its first answer and
 * its resident set then, over an empty directory and over one that holds a large registry
 * (its snapshot and packed index, as a server that accepted the push left them).
 */
import { readFileSync } from 'node:fs'
import { freePort, start, tsArgs } from '../proc.ts'
import { dohPath, responseSummary } from '../query.ts'

export interface Restart {
  /** Spawn to the first DoH answer, ms. */
  firstAnswerMs: number
  /** VmRSS of the server right after that answer, bytes. */
  rss: number
  rcode: number
}

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024
}

export async function restartOnce(dataDir: string, probe: string): Promise<Restart> {
  const port = await freePort()
  const env = {
    ...process.env,
    MESHDOH_DATA_DIR: dataDir,
    MESHDOH_LISTEN: `127.0.0.1:${port}`,
    MESHDOH_PUSH_TOKENS: 'bench-token',
    MESHDOH_LOG_LEVEL: 'warn',
  }
  const t0 = performance.now()
  const server = start(process.execPath, tsArgs('../src/runtime/node.ts'), { env })
  try {
    for (;;) {
      if (server.child.exitCode !== null) throw new Error(`the server exited:\n${server.output()}`)
      if (performance.now() - t0 > 60_000) throw new Error(`no answer within 60 s:\n${server.output()}`)
      try {
        const response = await fetch(`http://127.0.0.1:${port}${dohPath(probe)}`)
        const bytes = new Uint8Array(await response.arrayBuffer())
        const firstAnswerMs = performance.now() - t0
        return { firstAnswerMs, rss: rssOf(server.pid), rcode: responseSummary(bytes).rcode }
      } catch {
        await new Promise((r) => setTimeout(r, 5))
      }
    }
  } finally {
    await server.stop()
  }
}
