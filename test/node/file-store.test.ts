import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { FileStore, FileStoreError } from '../../src/store/file.ts'
import { MemoryStore } from '../../src/store/memory.ts'
import { runStoreContract, storedRecord } from '../store/contract.ts'
import { killAll, start, waitForLine } from './support/process.ts'
import { removeTempDirs, tempDir } from './support/temp.ts'
import { tsxArgs } from './support/tsx.ts'

afterAll(() => {
  killAll()
  removeTempDirs()
})

runStoreContract('memory', () => new MemoryStore())
runStoreContract('file', () => FileStore.open(tempDir()))

describe('FileStore on disk', () => {
  it('restart: a new store on the same directory holds the last accepted snapshots at once', async () => {
    const dir = tempDir()
    const first = await FileStore.open(dir)
    await first.put(storedRecord('east-1', 1))
    await first.put(storedRecord('east-1', 2))
    await first.put(storedRecord('west-1', 4))
    await first.delete('west-1')
    const reopened = await FileStore.open(dir)
    expect(await reopened.load()).toEqual(await first.load())
    expect(await reopened.put(storedRecord('east-1', 2))).toMatchObject({ status: 'identical' })
    expect(await reopened.put(storedRecord('east-1', 1))).toEqual({ status: 'stale', current: 2 })
  })

  it('torn temp file: a write cut short is removed at start and never read', async () => {
    const dir = tempDir()
    await (await FileStore.open(dir)).put(storedRecord('east-1', 1))
    const torn = join(dir, '.east-1.0123456789ab.tmp')
    writeFileSync(torn, JSON.stringify(storedRecord('east-1', 2)).slice(0, 40))
    const reopened = await FileStore.open(dir)
    expect((await reopened.list()).map((s) => s.revision)).toEqual([1])
    expect(existsSync(torn)).toBe(false)
  })

  it('crash: a writer killed at any moment leaves the last durable revision or the next, whole', async () => {
    const dir = tempDir()
    const [node, args] = tsxArgs('test/node/support/crash-writer.ts', dir)
    const writer = start(node, args, { ...process.env, NODE_OPTIONS: '' })
    await waitForLine(writer, /^3$/, 20_000)
    let durable = 3
    writer.stdout!.on('data', (d: Buffer) => {
      for (const n of d.toString().trim().split('\n')) durable = Math.max(durable, Number(n))
    })
    await new Promise((r) => setTimeout(r, 37))
    process.kill(writer.pid!, 'SIGKILL')
    await new Promise((r) => writer.once('exit', r))
    const store = await FileStore.open(dir)
    const [held] = (await store.load()).snapshots
    expect([durable, durable + 1]).toContain(held!.revision)
    expect(JSON.parse(held!.document).revision).toBe(held!.revision)
    expect(readdirSync(dir)).toEqual(['east-1.snapshot.json'])
  })

  it('a corrupted snapshot file stops the start with its path, instead of serving without it', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'east-1.snapshot.json'), '{"cluster": "east-1", "revis')
    await expect(FileStore.open(dir)).rejects.toThrow(FileStoreError)
    await expect(FileStore.open(dir)).rejects.toThrow(join(dir, 'east-1.snapshot.json'))
  })

  it('reads files written as one JSON object; refuses a file whose document was cut short', async () => {
    const dir = tempDir()
    const record = storedRecord('east-1', 4)
    writeFileSync(join(dir, 'east-1.snapshot.json'), JSON.stringify(record))
    expect((await (await FileStore.open(dir)).load()).snapshots).toEqual([record])
    const store = await FileStore.open(dir)
    await store.put(storedRecord('east-1', 5))
    const text = readFileSync(join(dir, 'east-1.snapshot.json'), 'utf8')
    expect((await (await FileStore.open(dir)).load()).snapshots[0]!.revision).toBe(5)
    writeFileSync(join(dir, 'east-1.snapshot.json'), text.slice(0, -1))
    await expect(FileStore.open(dir)).rejects.toThrow(FileStoreError)
  })

  it('a cluster name that is not a DNS label never becomes a path', async () => {
    const store = await FileStore.open(tempDir())
    await expect(store.put(storedRecord('../escape', 1))).rejects.toThrow(FileStoreError)
    expect(await store.list()).toEqual([])
  })
})
