/**
 * Child processes for the interop tests: every one is started here, bounded by a timeout,
 * and killed by its PID when the test file ends. A missing tool fails the test: `npm test`
 * installs them all first (scripts/ensure-test-tools.sh), so a skip would hide a broken setup.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'

const started = new Set<ChildProcess>()

/** Fails with a clear message when `tool` is not on PATH. */
export function requireTool(tool: string, apt: string): void {
  const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' })
  if (found.status !== 0) throw new Error(`${tool} is not installed: apt-get install ${apt} (npm test does, as root)`)
}

export interface RunResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Runs a command to completion; killed (and reported) when it outlives timeoutMs. */
export function run(
  command: string,
  args: string[],
  options: { timeoutMs?: number; input?: string } = {}
): Promise<RunResult> {
  const child = start(command, args)
  const timeoutMs = options.timeoutMs ?? 15_000
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d: Buffer) => (stdout += d))
  child.stderr!.on('data', (d: Buffer) => (stderr += d))
  if (options.input !== undefined) child.stdin!.end(options.input)
  else child.stdin!.end()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      kill(child)
      reject(new Error(`${command} ${args.join(' ')} timed out after ${timeoutMs} ms\n${stdout}\n${stderr}`))
    }, timeoutMs)
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      started.delete(child)
      resolve({ code, signal, stdout, stderr })
    })
  })
}

/** Starts a long-running child; the caller stops it with kill() (afterAll does, at the latest). */
export function start(
  command: string,
  args: string[],
  env: Record<string, string | undefined> = process.env
): ChildProcess {
  // Its own process group, so that kill() reaches what it starts in turn: wrangler's bin runs
  // the CLI as a child, which runs workerd; killing the bin alone left both running.
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: env as NodeJS.ProcessEnv, detached: true })
  started.add(child)
  child.on('exit', () => started.delete(child))
  return child
}

/** Kills the child's process group (the child and what it started), by the child's PID. */
export function kill(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (child.pid === undefined) return
  try {
    process.kill(-child.pid, signal)
  } catch {
    // The group is gone already.
  }
}

/** Kills every child this test file started and that is still running. */
export function killAll(): void {
  for (const child of started) kill(child)
  started.clear()
}

/** Resolves with the first line (stdout or stderr) matching `pattern`, or rejects after timeoutMs. */
export function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs = 10_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let buffered = ''
    const onData = (d: Buffer) => {
      buffered += d
      for (const line of buffered.split('\n')) {
        const match = line.match(pattern)
        if (match) return done(() => resolve(match))
      }
    }
    const onExit = (code: number | null) =>
      done(() => reject(new Error(`exited (${code}) before printing ${pattern}\n${buffered}`)))
    const timer = setTimeout(
      () => done(() => reject(new Error(`no line matching ${pattern} in ${timeoutMs} ms\n${buffered}`))),
      timeoutMs
    )
    const done = (then: () => void) => {
      clearTimeout(timer)
      child.stdout!.off('data', onData)
      child.stderr!.off('data', onData)
      child.off('exit', onExit)
      then()
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.on('exit', onExit)
  })
}
