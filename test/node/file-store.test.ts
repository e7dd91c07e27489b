import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { FileStore, FileStoreError } from '../../src/store/file.ts'
import { MemoryStore } from '../../src/store/memory.ts'
import { PackedIndex } from '../../src/registry/packed.ts'
import { runStoreContract, snapshotRecord, storedRecord } from '../store/contract.ts'
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

describe('FileStore keeps the packed index', () => {
  async function withIndex(dir: string) {
    const store = await FileStore.open(dir)
    await store.put(snapshotRecord('east-1', 1, 'first'))
    return store.index()
  }

  const indexFiles = (dir: string) => readdirSync(dir).filter((f) => f.startsWith('index-'))

  it('restart: serves the stored index without reading a document', async () => {
    const dir = tempDir()
    const built = await withIndex(dir)
    expect(indexFiles(dir)).toEqual([`index-${built.digest}.bin`])
    // Documents replaced by bytes of the same length: a store that parsed one would fail.
    const path = join(dir, 'east-1.snapshot.json')
    const text = readFileSync(path, 'utf8')
    const lineEnd = text.indexOf('\n')
    writeFileSync(path, text.slice(0, lineEnd + 1) + 'x'.repeat(Buffer.byteLength(text) - lineEnd - 1))
    const reopened = await FileStore.open(dir)
    expect(reopened.fault).toBeUndefined()
    const loaded = await reopened.index()
    expect(loaded.digest).toBe(built.digest)
    expect(new PackedIndex(loaded.bytes).node('first.bookinfo.svc.cluster.local')).toBeDefined()
  })

  it('keeps one index file, the current one, after each change', async () => {
    const dir = tempDir()
    const store = await FileStore.open(dir)
    for (let revision = 1; revision <= 3; revision++) {
      await store.put(snapshotRecord('east-1', revision, `svc-${revision}`))
      const { digest } = await store.index()
      expect(indexFiles(dir)).toEqual([`index-${digest}.bin`])
    }
  })

  const SPOILERS: Array<[string, (bytes: Buffer) => Buffer]> = [
    ['truncated', (b) => b.subarray(0, b.length - 10)],
    ['a flipped byte', (b) => ((b[b.length >> 1] ^= 1), b)],
    ['a future version', (b) => ((b[4] = 9), b)],
  ]

  it.each(SPOILERS)('a stored index %s is set aside, said so, and built again', async (_, spoil) => {
    const dir = tempDir()
    const built = await withIndex(dir)
    const file = join(dir, `index-${built.digest}.bin`)
    writeFileSync(file, spoil(readFileSync(file)))
    const reopened = await FileStore.open(dir)
    expect(reopened.fault).toMatch(/does not load/)
    const rebuilt = await reopened.index()
    expect(rebuilt.digest).toBe(built.digest)
    expect(readFileSync(file)).toEqual(Buffer.from(built.bytes))
  })

  it('an index built from other snapshots (a crash between the two writes) is built again', async () => {
    const dir = tempDir()
    await withIndex(dir)
    const pointer = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { stamp: string }
    writeFileSync(join(dir, 'index.json'), JSON.stringify({ ...pointer, stamp: 'east-1@0:0' }))
    const reopened = await FileStore.open(dir)
    expect(reopened.fault).toMatch(/other snapshots/)
    expect(new PackedIndex((await reopened.index()).bytes).node('first.bookinfo.svc.cluster.local')).toBeDefined()
  })
})
