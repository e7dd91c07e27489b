import { describe, expect, it } from 'vitest'
import committed from '../../schema/snapshot-v1.schema.json'
import { snapshotJsonSchema } from '../../src/registry/schema.ts'

describe('schema/snapshot-v1.schema.json', () => {
  it('matches the schema in code (run `npm run schema` after changing it)', () => {
    expect(committed).toEqual(snapshotJsonSchema())
  })
})
