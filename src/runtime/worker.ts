/**
 * The Cloudflare Workers entry: one app per isolate, built from the env on first use, so the
 * compiled registry lives as long as the isolate (README: Storage).
 */
import type { Hono } from 'hono'
import { createApp } from '../http/app.ts'
import { DurableObjectStore, SnapshotStoreObject } from '../store/durable-object.ts'
import { parseSettings, type SettingsSource } from './settings.ts'

export { SnapshotStoreObject }

let app: Hono | undefined
let builtFor: Env | undefined

export default {
  fetch(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response> {
    if (app === undefined || builtFor !== env) {
      app = createApp({
        store: new DurableObjectStore(env.SNAPSHOTS as unknown as DurableObjectNamespace<SnapshotStoreObject>),
        settings: parseSettings(env as unknown as SettingsSource),
        events: { error: (error) => console.error('meshdoh:', error) },
      })
      builtFor = env
    }
    return app.fetch(request, env, ctx)
  },
} satisfies ExportedHandler<Env>
