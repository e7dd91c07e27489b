import { expect, test } from 'vitest'
import { syncLogger } from '../../src/sync/log.ts'

test('the job logs level names, as the server does, with the cluster on every line', () => {
  const lines: string[] = []
  const log = syncLogger('info', 'east-1', { write: (line: string) => void lines.push(line) })
  log.debug('hidden')
  log.info('i')
  log.warn('w')
  log.error('e')
  const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>)
  expect(records.map((r) => [r['level'], r['msg'], r['cluster']])).toEqual([
    ['info', 'i', 'east-1'],
    ['warn', 'w', 'east-1'],
    ['error', 'e', 'east-1'],
  ])
})
