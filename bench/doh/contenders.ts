/** The servers the DoH part measures, each started pinned to the server core on a free port. */
import { PUSH_TOKEN, startMeshdohServer } from '../meshdoh.ts'
import { SERVER_CPU, freePort, start, tsArgs, waitForPort, type Started } from '../proc.ts'
import { pushSnapshot } from './client.ts'
import type { TlsPair } from './tls.ts'
import { writeUnboundConfig } from './unbound.ts'

export interface Contender {
  name: string
  port: number
  /** Whether it answers real DNS (and is checked name by name) or one fixed message. */
  real: boolean
  server: Started
}

async function listening(name: string, port: number, server: Started, real: boolean): Promise<Contender> {
  try {
    await waitForPort(port, 30_000, name, () => server.child.exitCode === null)
  } catch (error) {
    await server.stop()
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${server.output()}`, { cause: error })
  }
  return { name, port, real, server }
}

/** unbound with `threads` threads: pinned to the server core for one, free on the machine for more. */
export async function startUnbound(
  dir: string,
  tls: TlsPair,
  data: readonly string[],
  threads = 1
): Promise<Contender> {
  const port = await freePort()
  const config = writeUnboundConfig(dir, port, tls, data, threads)
  const server = start('unbound', ['-d', '-c', config], { cpu: threads === 1 ? SERVER_CPU : undefined, cwd: dir })
  return listening(`unbound (${threads} thread${threads === 1 ? '' : 's'})`, port, server, true)
}

/** A bench/doh server script (ceiling.ts, hono-floor.ts): `<port> <cert> <key>`. */
export async function startScript(name: string, script: string, tls: TlsPair): Promise<Contender> {
  const port = await freePort()
  const server = start(process.execPath, tsArgs(script, [], [String(port), tls.cert, tls.key]), { cpu: SERVER_CPU })
  return listening(name, port, server, false)
}

/** meshdoh's Node server with TLS, pinned like the others, holding the pushed snapshot. */
export async function startMeshdoh(
  dir: string,
  tls: TlsPair,
  snapshot: string,
  options: { cpuProfileDir?: string; processes?: number } = {}
): Promise<Contender> {
  const processes = options.processes ?? 1
  const cpu = processes === 1 ? SERVER_CPU : undefined
  const { port, server } = await startMeshdohServer(dir, {
    tls,
    cpu,
    cpuProfileDir: options.cpuProfileDir,
    processes: options.processes,
  })
  await pushSnapshot(port, tls.cert, PUSH_TOKEN, 'bench', snapshot)
  return { name: `meshdoh (Node, ${processes} process${processes === 1 ? '' : 'es'})`, port, real: true, server }
}
