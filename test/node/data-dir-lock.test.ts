/**
 * One server per data directory (src/store/data-dir-lock.ts): the lock file's rules, then the
 * bin as real processes: a second server on the same directory exits 1 with one clear line, a
 * clean stop removes the lock, and a SIGKILLed server's lock is taken over.
 */
import { spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { DataDirLockedError, LOCK_FILE, lockDataDir } from '../../src/store/data-dir-lock.ts'
import { FileStore } from '../../src/store/file.ts'
import { send } from './support/http.ts'
import { kill, killAll, start, waitForLine } from './support/process.ts'
import { removeTempDirs, tempDir } from './support/temp.ts'
import { binArgs } from './support/tsx.ts'

afterAll(() => {
  killAll()
  removeTempDirs()
})

/** A PID that no process has now: one of a child that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
  return Number(child.stdout)
}

const lockOf = (dir: string) => readFileSync(join(dir, LOCK_FILE), 'utf8')

describe('lockDataDir', () => {
  it('creates the directory and a lock file holding the PID; release removes it', () => {
    const dir = join(tempDir(), 'data', 'nested')
    const lock = lockDataDir(dir)
    expect(lockOf(dir)).toBe(`${process.pid}\n`)
    expect(readdirSync(dir)).toEqual([LOCK_FILE])
    lock.release()
    lock.release()
    expect(readdirSync(dir)).toEqual([])
  })

  it('refuses a second owner while the first one runs, naming its PID', () => {
    const dir = tempDir()
    const first = lockDataDir(dir) // held by this test process, which is running
    let error: unknown
    try {
      lockDataDir(dir, deadPid())
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(DataDirLockedError)
    expect((error as DataDirLockedError).pid).toBe(process.pid)
    expect((error as Error).message).toContain(
      `in use by another meshdoh (PID ${process.pid}): ${join(dir, LOCK_FILE)}`
    )
    expect(lockOf(dir)).toBe(`${process.pid}\n`)
    expect(readdirSync(dir)).toEqual([LOCK_FILE])
    first.release()
  })

  it.each([
    { title: 'a dead PID', content: () => `${deadPid()}\n` },
    { title: 'its own PID (a restarted container is PID 1 again)', content: () => `${process.pid}\n` },
    { title: 'no PID at all', content: () => 'garbage' },
    { title: 'an empty file', content: () => '' },
  ])('takes over a stale lock: $title', ({ content }) => {
    const dir = tempDir()
    writeFileSync(join(dir, LOCK_FILE), content())
    const lock = lockDataDir(dir)
    expect(lockOf(dir)).toBe(`${process.pid}\n`)
    expect(readdirSync(dir)).toEqual([LOCK_FILE])
    lock.release()
  })

  it("release leaves a lock that is no longer this process's alone", () => {
    const dir = tempDir()
    const lock = lockDataDir(dir)
    writeFileSync(join(dir, LOCK_FILE), '1\n')
    lock.release()
    expect(lockOf(dir)).toBe('1\n')
  })

  it('is not a snapshot to the file store', async () => {
    const dir = tempDir()
    const lock = lockDataDir(dir)
    const store = await FileStore.open(dir)
    expect(await store.list()).toEqual([])
    expect(existsSync(join(dir, LOCK_FILE))).toBe(true)
    lock.release()
  })
})

describe('the bin on a data directory', () => {
  const dataDir = join(tempDir(), 'data')
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MESHDOH_'))),
    MESHDOH_LISTEN: '127.0.0.1:0',
    MESHDOH_DATA_DIR: dataDir,
  }
  const serve = async (): Promise<{ child: ChildProcess; url: string }> => {
    const [node, args] = binArgs()
    const child = start(node, args, env)
    const line = await waitForLine(child, /"url":"(http:\/\/127\.0\.0\.1:\d+)".*"msg":"listening"/, 20_000)
    return { child, url: line[1]! }
  }
  const exited = (child: ChildProcess) =>
    new Promise<number | null>((resolve) =>
      child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))
    )

  it('a second server exits 1 with one line naming the holder; the first keeps serving', async () => {
    const first = await serve()
    expect(lockOf(dataDir)).toBe(`${first.child.pid}\n`)
    const [node, args] = binArgs()
    const second = start(node, args, env)
    let stderr = ''
    second.stderr!.on('data', (d: Buffer) => (stderr += d))
    let stdout = ''
    second.stdout!.on('data', (d: Buffer) => (stdout += d))
    expect(await exited(second)).toBe(1)
    expect(stderr).toBe(
      `meshdoh: the data directory is in use by another meshdoh (PID ${first.child.pid}): ${join(dataDir, LOCK_FILE)}; ` +
        `give each server its own MESHDOH_DATA_DIR (if no meshdoh runs as PID ${first.child.pid}, remove the file)\n`
    )
    expect(stdout).toBe('')
    expect((await send(`${first.url}/healthz`)).status).toBe(200)
    expect(lockOf(dataDir)).toBe(`${first.child.pid}\n`)

    const stopped = exited(first.child)
    process.kill(first.child.pid!, 'SIGTERM')
    expect(await stopped).toBe(0)
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false)
  }, 60_000)

  it("a killed server's lock is taken over by the next one", async () => {
    const killed = await serve()
    const gone = exited(killed.child)
    kill(killed.child)
    await gone
    expect(lockOf(dataDir)).toBe(`${killed.child.pid}\n`)
    const next = await serve()
    expect(lockOf(dataDir)).toBe(`${next.child.pid}\n`)
    const stopped = exited(next.child)
    process.kill(next.child.pid!, 'SIGTERM')
    expect(await stopped).toBe(0)
  }, 60_000)
})
