/**
 * Child process of the scale part (run with --expose-gc): validation, building the packed
 * index, loading it, its size and the heap it holds, per size, sizes alternated round by
 * round. Writes each index to disk for the cold-start children. Prints one JSON line.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { answerQuestion } from '../../src/dns/answer.ts'
import { compileData, countNames } from '../../src/registry/compile.ts'
import { packRegistry } from '../../src/registry/pack.ts'
import { PackedIndex } from '../../src/registry/packed.ts'
import { Registry } from '../../src/registry/registry.ts'
import type { SnapshotInput } from '../../src/registry/schema.ts'
import { parseSnapshot } from '../../src/registry/validate.ts'
import { EMPTY_VIEW } from '../../src/registry/views.ts'
import { FileStore } from '../../src/store/file.ts'
import { presentPools, queryNames } from '../names.ts'
import { median } from '../stats.ts'
import { syntheticSnapshot } from '../synthetic.ts'

export interface SizeMeasures {
  services: number
  names: number
  pushedBytes: number
  storedBytes: number
  storedGzipBytes: number
  validateMs: number
  /** Compile and pack: once per accepted push. */
  buildMs: number
  blobBytes: number
  blobBytesPerName: number
  /** new PackedIndex(bytes): what every reader pays. */
  loadMs: number
  /** Heap and array buffers held by a loaded index (the blob included), per name. */
  residentPerName: number
  /** answerQuestion on a warm index, µs per lookup, over present names and misses. */
  lookupUs: number
  /** Where the blob was written, for the cold-start children. */
  blobPath: string
  /** A present name, for the first query of a cold start. */
  probe: string
}

export interface MeasureRequest {
  rounds: number
  sizes: number[]
  /** A temporary directory for the stored blobs. */
  dir: string
}

const { rounds, sizes, dir } = JSON.parse(process.argv[2]!) as MeasureRequest
const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error('run with --expose-gc')
const OPTIONS = { defaultDomain: 'cluster.local' }

const inputs = sizes.map((services) => {
  const body = JSON.stringify(syntheticSnapshot({ services }))
  const parsed = parseSnapshot(JSON.parse(body))
  if (!parsed.ok) throw new Error(`synthetic snapshot rejected at ${parsed.path}: ${parsed.error}`)
  const stored = JSON.stringify(parsed.snapshot)
  const input = JSON.parse(body) as SnapshotInput
  const probe = presentPools(input)['cluster-ip'][0]!
  const blob = packRegistry(compileData([parsed.snapshot], OPTIONS))
  return { services, body, snapshot: parsed.snapshot, stored, probe, blob, names: queryNames(input, 2000) }
})

function timed(fn: () => unknown): number {
  const t0 = performance.now()
  fn()
  return performance.now() - t0
}

const times = inputs.map(() => ({ validate: [] as number[], build: [] as number[], load: [] as number[] }))
for (let r = 0; r < rounds; r++) {
  // Rotate the order each round so no size always runs first (or right after a big GC).
  for (let k = 0; k < inputs.length; k++) {
    const i = (k + r) % inputs.length
    const input = inputs[i]!
    const value = JSON.parse(input.body) as unknown
    times[i]!.validate.push(timed(() => parseSnapshot(value)))
    times[i]!.build.push(timed(() => packRegistry(compileData([input.snapshot], OPTIONS))))
    times[i]!.load.push(timed(() => new PackedIndex(input.blob)))
  }
}

function heldAfterGc(): number {
  gc!()
  gc!()
  const usage = process.memoryUsage()
  return usage.heapUsed + usage.arrayBuffers
}

/**
 * Memory held by one loaded index: the blob, plus the heap its load adds (counted from after
 * the blob is in memory, the smaller of two tries).
 */
function residentBytes(blob: Uint8Array): number {
  const deltas: number[] = []
  for (let i = 0; i < 2; i++) {
    const copy = blob.slice()
    const before = heldAfterGc()
    const held = [new PackedIndex(copy)]
    deltas.push(heldAfterGc() - before)
    held.pop()
  }
  return blob.length + Math.max(0, Math.min(...deltas))
}

function lookupUs(blob: Uint8Array, names: ReturnType<typeof queryNames>): number {
  const lookup = new Registry(new PackedIndex(blob)).forView(EMPTY_VIEW)
  const questions = names.map((n) => ({ name: n.name, type: 1, class: 1 }))
  const passes: number[] = []
  for (let pass = 0; pass < 15; pass++) {
    const t0 = performance.now()
    for (const q of questions) answerQuestion(lookup, q)
    passes.push(((performance.now() - t0) * 1000) / questions.length)
  }
  return median(passes.slice(5))
}

// The cold-start baseline: the same first query over an index of nothing.
writeFileSync(`${dir}/index-empty.bin`, packRegistry(compileData([], OPTIONS)))

// A data directory as the Node server leaves it after accepting the largest push, and an empty one.
const largest = inputs.at(-1)!
const store = await FileStore.open(`${dir}/data-${largest.services}`)
await store.put({
  cluster: largest.snapshot.cluster,
  revision: largest.snapshot.revision,
  generatedAt: largest.snapshot.generatedAt,
  receivedAt: largest.snapshot.generatedAt,
  names: countNames(largest.snapshot),
  digest: 'f'.repeat(64),
  document: largest.stored,
})
await store.index()
mkdirSync(`${dir}/data-empty`)

const out: SizeMeasures[] = inputs.map((input, i) => {
  const names = countNames(input.snapshot)
  const blobPath = `${dir}/index-${input.services}.bin`
  writeFileSync(blobPath, input.blob)
  return {
    services: input.services,
    names,
    pushedBytes: Buffer.byteLength(input.body),
    storedBytes: Buffer.byteLength(input.stored),
    storedGzipBytes: gzipSync(input.stored).length,
    validateMs: median(times[i]!.validate),
    buildMs: median(times[i]!.build),
    blobBytes: input.blob.length,
    blobBytesPerName: input.blob.length / names,
    loadMs: median(times[i]!.load),
    residentPerName: residentBytes(input.blob) / names,
    lookupUs: lookupUs(input.blob, input.names),
    blobPath,
    probe: input.probe,
  }
})
process.stdout.write(JSON.stringify(out) + '\n')
