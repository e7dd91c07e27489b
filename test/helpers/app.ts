/** An app in this isolate on a memory store, for settings the Worker under test does not have. */
import { createMeshdoh, type AppDeps } from '../../src/http/app.ts'
import { parseSettings, type SettingsSource } from '../../src/runtime/settings.ts'
import { MemoryStore } from '../../src/store/memory.ts'
import type { SnapshotDoc } from './fixtures.ts'

export const TOKEN = 'local-token'

export function localApp(env: SettingsSource = {}, deps: Partial<AppDeps> = {}, keepParsed = false) {
  const store = new MemoryStore({ defaultDomain: 'cluster.local', keepParsed })
  const settings = parseSettings({ MESHDOH_PUSH_TOKENS: TOKEN, ...env })
  const meshdoh = createMeshdoh({ store, settings, ...deps })
  const pushDoc = (doc: SnapshotDoc) =>
    meshdoh.app.request(`/v1/snapshots/${String(doc.cluster)}`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(doc),
    })
  return { ...meshdoh, store, settings, push: pushDoc }
}
