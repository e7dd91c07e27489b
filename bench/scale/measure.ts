/**
 * Child process of the scale part (run with --expose-gc): validation and compile times,
 * index memory and stored bytes per size, sizes alternated round by round. Prints one JSON
 * line: ScaleMeasures.
 */
import { writeFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { compileRegistry, countNames } from '../../src/registry/compile.ts'
import type { Registry } from '../../src/registry/registry.ts'
import type { Snapshot, SnapshotInput } from '../../src/registry/schema.ts'
import { parseSnapshot } from '../../src/registry/validate.ts'
import { presentPools } from '../names.ts'
import { median } from '../stats.ts'
import { syntheticSnapshot } from '../synthetic.ts'

export interface SizeMeasures {
  services: number
  names: number
  pushedBytes: number
  storedBytes: number
  storedGzipBytes: number
  validateMs: number
  parseStoredMs: number
  compileMs: number
  indexBytes: number
  bytesPerName: number
  /** Where the stored document was written, for the cold-start children. */
  documentPath: string
  /** A present name, for the first query of a cold start. */
  probe: string
}

export interface MeasureRequest {
  rounds: number
  sizes: number[]
  /** A temporary directory for the stored documents. */
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
  const probe = presentPools(JSON.parse(body) as SnapshotInput)['cluster-ip'][0]!
  return { services, body, snapshot: parsed.snapshot, stored, probe }
})

function timed(fn: () => unknown): number {
  const t0 = performance.now()
  fn()
  return performance.now() - t0
}

const times = inputs.map(() => ({ validate: [] as number[], parse: [] as number[], compile: [] as number[] }))
for (let r = 0; r < rounds; r++) {
  // Rotate the order each round so no size always runs first (or right after a big GC).
  for (let k = 0; k < inputs.length; k++) {
    const i = (k + r) % inputs.length
    const input = inputs[i]!
    const value = JSON.parse(input.body) as unknown
    times[i]!.validate.push(timed(() => parseSnapshot(value)))
    times[i]!.parse.push(timed(() => JSON.parse(input.stored)))
    times[i]!.compile.push(timed(() => compileRegistry([input.snapshot], OPTIONS)))
  }
}

function heapAfterGc(): number {
  gc!()
  gc!()
  return process.memoryUsage().heapUsed
}

/** Heap held by one compiled registry: the smaller of two compiles, each measured after full GCs. */
function indexBytes(snapshot: Snapshot): number {
  const deltas: number[] = []
  for (let i = 0; i < 2; i++) {
    const before = heapAfterGc()
    const held: Registry[] = [compileRegistry([snapshot], OPTIONS)]
    deltas.push(heapAfterGc() - before)
    held.pop()
  }
  return Math.min(...deltas)
}

const out: SizeMeasures[] = inputs.map((input, i) => {
  const names = countNames(input.snapshot)
  const bytes = indexBytes(input.snapshot)
  const documentPath = `${dir}/stored-${input.services}.json`
  writeFileSync(documentPath, input.stored)
  return {
    services: input.services,
    names,
    pushedBytes: Buffer.byteLength(input.body),
    storedBytes: Buffer.byteLength(input.stored),
    storedGzipBytes: gzipSync(input.stored).length,
    validateMs: median(times[i]!.validate),
    parseStoredMs: median(times[i]!.parse),
    compileMs: median(times[i]!.compile),
    indexBytes: bytes,
    bytesPerName: bytes / names,
    documentPath,
    probe: input.probe,
  }
})
process.stdout.write(JSON.stringify(out) + '\n')
