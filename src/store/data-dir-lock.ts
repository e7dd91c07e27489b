/**
 * One Node server per data directory. Two servers on one directory would each compare
 * revisions against their own memory and overwrite each other's files, so a push acknowledged
 * by one could be lost to the other. The lock is a file holding the owner's PID: created
 * exclusively, removed at exit, and taken over when the PID it names is no longer running
 * (after a SIGKILL or a crash).
 *
 * PIDs are only meaningful within one PID namespace: servers in two containers sharing a volume
 * are not told apart.
 */
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, rmSync, renameSync, writeSync } from 'node:fs'
import { join } from 'node:path'

export const LOCK_FILE = 'meshdoh.lock'

export class DataDirLockedError extends Error {
  constructor(
    readonly path: string,
    readonly pid: number
  ) {
    super(
      `the data directory is in use by another meshdoh (PID ${pid}): ${path}; ` +
        `give each server its own MESHDOH_DATA_DIR (if no meshdoh runs as PID ${pid}, remove the file)`
    )
    this.name = 'DataDirLockedError'
  }
}

export interface DataDirLock {
  readonly path: string
  /** Removes the lock file, if it is still this process's; safe to call more than once. */
  release(): void
}

/** Locks `dir` (created if missing) for process `pid`, or throws DataDirLockedError. */
export function lockDataDir(dir: string, pid: number = process.pid): DataDirLock {
  mkdirSync(dir, { recursive: true })
  const path = join(dir, LOCK_FILE)
  // Written whole under a name of its own, then linked into place: link(2) fails if the lock
  // exists, like O_EXCL, and no other server ever reads a lock file that has no PID in it yet.
  const mine = `${path}.${pid}`
  const fd = openSync(mine, 'w', 0o644)
  try {
    writeSync(fd, `${pid}\n`)
  } finally {
    closeSync(fd)
  }
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(mine, path)
        return { path, release: () => releaseIfOwned(path, pid) }
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt === 5) throw error
      }
      const holder = readPid(path)
      if (holder !== undefined && holder !== pid && isRunning(holder)) throw new DataDirLockedError(path, holder)
      takeOver(path, pid)
    }
  } finally {
    rmSync(mine, { force: true })
  }
}

/**
 * Removes a stale lock. Renamed away first, then checked: two servers that found the same
 * stale lock must not have the second delete the fresh lock the first just made.
 */
function takeOver(path: string, pid: number): void {
  const moved = `${path}.stale.${pid}`
  try {
    renameSync(path, moved)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return // released meanwhile
    throw error
  }
  const holder = readPid(moved)
  if (holder === undefined || holder === pid || !isRunning(holder)) return rmSync(moved, { force: true })
  // A live server's fresh lock: put it back (if a third server locked meanwhile, it keeps it).
  try {
    linkSync(moved, path)
  } catch {
    // Another server holds the lock now; either way it is not ours.
  } finally {
    rmSync(moved, { force: true })
  }
  throw new DataDirLockedError(path, holder)
}

function releaseIfOwned(path: string, pid: number): void {
  if (readPid(path) === pid) rmSync(path, { force: true })
}

function readPid(path: string): number | undefined {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  const pid = Number(text.trim())
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
