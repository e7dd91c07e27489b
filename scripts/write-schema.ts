// Writes the snapshot schema as JSON Schema; test/registry/schema-file.test.ts fails when stale.
import { writeFileSync } from 'node:fs'
import { snapshotJsonSchema } from '../src/registry/schema.ts'

const target = new URL('../schema/snapshot-v1.schema.json', import.meta.url)
writeFileSync(target, JSON.stringify(snapshotJsonSchema(), null, 2) + '\n')
console.log(`wrote ${target.pathname}`)
