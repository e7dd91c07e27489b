/** meshdoh's own Node entry (src/runtime/node.ts, as `npm run serve`) as a child process. */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, start, waitForPort, type Started } from './proc.ts'

export const PUSH_TOKEN = 'bench-token'

export interface MeshdohServerOptions {
  /** PEM files; without them the server speaks cleartext h2c and HTTP/1.1. */
  tls?: { cert: string; key: string }
  cpu?: number
  /** Write a V8 CPU profile into this directory when the server exits. */
  cpuProfileDir?: string
  /** MESHDOH_PROCESSES: server processes sharing the port. */
  processes?: number
}

export interface MeshdohServer {
  port: number
  server: Started
}

export async function startMeshdohServer(dir: string, options: MeshdohServerOptions = {}): Promise<MeshdohServer> {
  const port = await freePort()
  const dataDir = join(dir, `data-${port}`)
  mkdirSync(dataDir)
  const entry = fileURLToPath(new URL('../src/runtime/node.ts', import.meta.url))
  const profile = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : []
  const shownEnv: Record<string, string> = {
    MESHDOH_LISTEN: `127.0.0.1:${port}`,
    MESHDOH_DATA_DIR: dataDir,
    MESHDOH_PUSH_TOKENS: PUSH_TOKEN,
    MESHDOH_LOG_LEVEL: 'warn',
    MESHDOH_DRAIN_SECONDS: '1',
    MESHDOH_MAX_SNAPSHOT_BYTES: String(256 * 2 ** 20),
    ...(options.processes ? { MESHDOH_PROCESSES: String(options.processes) } : {}),
    ...(options.tls ? { MESHDOH_TLS_CERT: options.tls.cert, MESHDOH_TLS_KEY: options.tls.key } : {}),
  }
  const env = { ...process.env, ...shownEnv }
  const server = start(process.execPath, [...profile, '--import', import.meta.resolve('tsx'), entry], {
    cpu: options.cpu,
    env,
    shownEnv,
  })
  try {
    await waitForPort(port, 30_000, 'meshdoh', () => server.child.exitCode === null)
  } catch (error) {
    await server.stop()
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${server.output()}`, { cause: error })
  }
  return { port, server }
}
