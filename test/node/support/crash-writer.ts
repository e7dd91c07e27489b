/**
 * Child process for the crash test: pushes ever newer, large revisions into a FileStore and
 * prints each revision once its put resolved (durable). The test SIGKILLs it mid-write.
 */
import { FileStore } from '../../../src/store/file.ts'

const store = await FileStore.open(process.argv[2]!)
const padding = 'x'.repeat(4 * 1024 * 1024)
for (let revision = 1; ; revision++) {
  const document = JSON.stringify({ revision, padding })
  const at = new Date().toISOString()
  await store.put({
    cluster: 'east-1',
    revision,
    generatedAt: at,
    receivedAt: at,
    names: 1,
    digest: String(revision),
    document,
  })
  process.stdout.write(`${revision}\n`)
}
