/** The sync command line as `npm run sync --` runs it (tsx), on the Node running the tests. */
import { spawn } from 'node:child_process'

export interface Result {
  code: number | null
  stdout: string
  stderr: string
  ms: number
}

/** Runs the CLI with only `env` (plus PATH and HOME): nothing leaks in from the surrounding shell. */
export function runSync(args: string[], home: string, env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const childEnv: Record<string, string> = { PATH: process.env['PATH'] ?? '', HOME: home, ...env }
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/sync/main.ts', ...args], {
      env: childEnv as unknown as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr, ms: Date.now() - started })
    })
  })
}
