/**
 * Every process a benchmark starts goes through here: bounded in time, optionally pinned to a
 * core, and stopped by its PID at the end of the part, on error, and when the runner exits.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { createServer, connect } from 'node:net'
import { fileURLToPath } from 'node:url'

const started = new Map<number, ChildProcess>()
/** Every command line started since the last `takeCommands()`, for BENCHMARKS.md. */
let commands: string[] = []

function record(command: string, args: string[], shownEnv: Record<string, string> = {}): void {
  const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)
  const cwd = process.cwd() + '/'
  const line = [...Object.entries(shownEnv).map(([k, v]) => `${k}=${v}`), command, ...args]
    .map((a) => (a === process.execPath ? 'node' : a === import.meta.resolve('tsx') ? 'tsx' : a.replaceAll(cwd, '')))
    .map(quote)
    .join(' ')
  if (!commands.includes(line)) commands.push(line)
}

export function takeCommands(): string[] {
  const out = commands
  commands = []
  return out
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  // Children run in their own process group (detached), so that a server's own workers
  // stop with it; the group id is the child's PID.
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, signal)
    } catch {
      // already gone
    }
  }
}

process.on('exit', () => {
  for (const pid of started.keys()) signalGroup(pid, 'SIGKILL')
})
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const pid of started.keys()) signalGroup(pid, 'SIGKILL')
    process.exit(130)
  })
}

const hasTaskset = spawnSync('taskset', ['-V']).status === 0 && availableParallelism() >= 2

/** The core servers run on, and the one load generators run on (when there are two). */
export const SERVER_CPU = 0
export const CLIENT_CPU = 1
export const pinning = hasTaskset
  ? `taskset: servers on CPU ${SERVER_CPU}, load generator on CPU ${CLIENT_CPU}`
  : 'none (taskset unavailable or one core)'

/** `command args` prefixed with `taskset -c cpu` where pinning is possible. */
export function pinned(cpu: number | undefined, command: string, args: string[]): [string, string[]] {
  if (cpu === undefined || !hasTaskset) return [command, args]
  return ['taskset', ['-c', String(cpu), command, ...args]]
}

export interface StartOptions {
  cpu?: number
  env?: NodeJS.ProcessEnv
  /** Environment variables the command needs, shown with it in BENCHMARKS.md. */
  shownEnv?: Record<string, string>
  cwd?: string
  /** Where the child's stderr goes (kept in memory for error messages by default). */
  onStderr?: (text: string) => void
}

export interface Started {
  pid: number
  child: ChildProcess
  output(): string
  stop(): Promise<void>
}

/** Starts a long-running process (a server); `stop()` ends it by PID, SIGKILL after 3 s. */
export function start(command: string, args: string[], options: StartOptions = {}): Started {
  const [cmd, argv] = pinned(options.cpu, command, args)
  record(cmd, argv, options.shownEnv)
  const child = spawn(cmd, argv, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  if (child.pid === undefined) throw new Error(`could not start ${command}`)
  const pid = child.pid
  started.set(pid, child)
  let output = ''
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000)
  }
  child.stdout!.on('data', keep)
  child.stderr!.on('data', (chunk: Buffer) => (options.onStderr ? options.onStderr(chunk.toString()) : keep(chunk)))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.once('exit', () => started.delete(pid))
  return {
    pid,
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      signalGroup(pid, 'SIGTERM')
      const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), 3000)
      await exited
      clearTimeout(timer)
    },
  }
}

export interface RunResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs a process to completion, killed (by PID) when it outlives `timeoutMs`. */
export function run(
  command: string,
  args: string[],
  options: StartOptions & { timeoutMs: number; input?: string; /** Not listed among the commands. */ quiet?: boolean }
): Promise<RunResult> {
  const [cmd, argv] = pinned(options.cpu, command, args)
  if (!options.quiet) record(cmd, argv)
  return new Promise((resolve, reject) => {
    const stdin = options.input === undefined ? 'ignore' : 'pipe'
    const child = spawn(cmd, argv, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: [stdin, 'pipe', 'pipe'],
    })
    if (child.pid === undefined) return reject(new Error(`could not start ${command}`))
    const pid = child.pid
    started.set(pid, child)
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()))
    if (child.stdin) {
      child.stdin.on('error', () => {}) // a child that exits without reading its input
      child.stdin.end(options.input)
    }
    const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), options.timeoutMs)
    child.once('error', reject)
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      started.delete(pid)
      if (signal === 'SIGKILL')
        return reject(new Error(`${command} timed out after ${options.timeoutMs} ms\n${stderr.slice(-2000)}`))
      resolve({ code, stdout, stderr })
    })
  })
}

/** Stops every process still running (end of a part, or an error in it). */
export async function stopAll(): Promise<void> {
  await Promise.all(
    [...started.entries()].map(
      ([pid, child]) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve()
          child.once('exit', () => resolve())
          signalGroup(pid, 'SIGTERM')
          setTimeout(() => signalGroup(pid, 'SIGKILL'), 3000).unref()
        })
    )
  )
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** Resolves once something accepts connections on 127.0.0.1:port. */
export async function waitForPort(port: number, timeoutMs: number, what: string, alive?: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
    if (ok) return
    if (alive && !alive()) throw new Error(`${what} exited before listening on ${port}`)
    if (Date.now() > deadline) throw new Error(`${what} did not listen on ${port} within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** Arguments for running a TypeScript file of bench/ under Node with tsx, after `nodeFlags`. */
export function tsArgs(script: string, nodeFlags: string[] = [], args: string[] = []): string[] {
  return [
    ...nodeFlags,
    '--import',
    import.meta.resolve('tsx'),
    fileURLToPath(new URL(script, import.meta.url)),
    ...args,
  ]
}

/** Resolves with the first line of a started process's output that `match` accepts. */
export async function waitForLine(
  started: Started,
  match: (line: string) => boolean,
  timeoutMs: number,
  what: string
): Promise<string> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const line = started.output().split('\n').find(match)
    if (line !== undefined) return line
    if (started.child.exitCode !== null)
      throw new Error(`${what} exited (${started.child.exitCode}):\n${started.output().slice(-3000)}`)
    if (Date.now() > deadline)
      throw new Error(`${what}: nothing after ${timeoutMs} ms:\n${started.output().slice(-3000)}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}
