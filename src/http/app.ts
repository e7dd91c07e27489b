/**
 * The meshdoh HTTP surface as one Hono app, for every runtime: DoH, JSON, views, snapshot
 * push. Runtimes pass in their store and settings (createApp), nothing else.
 */
import { Hono, type Context } from 'hono'
import { RegistryHolder } from '../registry/holder.ts'
import type { View } from '../registry/views.ts'
import type { Settings } from '../runtime/settings.ts'
import type { SnapshotStore } from '../store/store.ts'
import { findAnyView, holdsPushToken } from './auth.ts'
import type { Inflate } from './body.ts'
import { dohGet, dohPost } from './doh.ts'
import { answerJson } from './resolve.ts'
import { Resolver, type AppEvents, type Upstream } from './resolver.ts'
import { dohUpstream } from './upstream.ts'
import { wireFastPath, type WireFastPath } from './wire-fast-path.ts'
import { rateLimit, type RateLimiter } from './rate-limit.ts'
import { deleteSnapshot, listSnapshots, patchSnapshot, putSnapshot, type SnapshotRoutesDeps } from './snapshots.ts'

export interface AppDeps {
  store: SnapshotStore
  settings: Settings
  now?: () => Date
  upstream?: Upstream
  events?: AppEvents
  /** Per-client limits (README, Security); absent: no limit. */
  rateLimiter?: RateLimiter
  /** The client's address as the runtime knows it, the key of the rate limit. */
  clientAddress?: (c: Context) => string | undefined
  /** A faster gzip decoder than DecompressionStream, where the runtime has one (body.ts). */
  inflate?: Inflate
}

export interface MeshdohApp {
  app: Hono
  holder: RegistryHolder
  /** The common DoH GET without the framework, for runtimes that can hand it over (Node h2). */
  fastPath: WireFastPath
}

type ViewHandler = (c: Context, resolver: Resolver, view: View) => Promise<Response>

export function createMeshdoh(deps: AppDeps): MeshdohApp {
  const { settings, store } = deps
  const now = deps.now ?? (() => new Date())
  const events = deps.events ?? {}
  const source = {
    stamp: () => (store.indexStamp ? store.indexStamp() : store.stamp()),
    index: () => store.index(),
    discard: (digest: string) => store.discard?.(digest) ?? Promise.resolve(),
  }
  const holder = new RegistryHolder(source, {
    defaultDomain: settings.defaultDomain,
    freshnessMs: settings.freshnessSeconds * 1000,
    now: () => now().getTime(),
    onError: (error) => events.error?.(error),
    staleMs: settings.staleSeconds * 1000,
    viewScope: settings.publishPolicy,
  })
  // The held registry's views when it needs no refresh; otherwise the app path awaits the refresh,
  // so that a view revoked by the last push is never served from the registry before it.
  const published = () => {
    const registry = holder.current()
    return registry instanceof Promise ? undefined : registry.views
  }
  const upstream = deps.upstream ?? (settings.upstream ? dohUpstream({ url: settings.upstream }) : undefined)
  const resolver = new Resolver(holder, upstream, events)
  const snapshotDeps: SnapshotRoutesDeps = {
    store,
    settings,
    now,
    events,
    holder,
    changed: () => holder.invalidate(),
    inflate: deps.inflate,
  }
  const app = new Hono()
  if (deps.rateLimiter) {
    const address = deps.clientAddress ?? (() => undefined)
    const limited = rateLimit(deps.rateLimiter, address)
    for (const path of ['/dns-query', '/resolve', '/v/*']) app.use(path, limited)
    const pushes = rateLimit(deps.rateLimiter, address, (c) =>
      holdsPushToken(settings.pushTokens, c.req.header('authorization'))
    )
    app.use('/v1/*', pushes)
  }

  const anonymous = (handler: ViewHandler) => async (c: Context) => {
    if (!settings.anonymous) return c.json({ error: 'anonymous queries are disabled; use your view URL' }, 401)
    return handler(c, resolver, settings.anonymousView)
  }
  const viewed = (handler: ViewHandler) => async (c: Context) => {
    const id = c.req.param('view') ?? ''
    const view = findAnyView(settings.views, (await holder.current()).views, id)
    if (view === undefined) return c.json({ error: 'unknown view' }, 404)
    return handler(c, resolver, view)
  }
  const notAllowed = (allow: string) => (c: Context) => c.json({ error: 'method not allowed' }, 405, { Allow: allow })

  app.get('/dns-query', anonymous(dohGet))
  app.post('/dns-query', anonymous(dohPost))
  app.all('/dns-query', notAllowed('GET, POST'))
  app.get('/resolve', anonymous(answerJson))
  app.all('/resolve', notAllowed('GET'))
  app.get('/v/:view/dns-query', viewed(dohGet))
  app.post('/v/:view/dns-query', viewed(dohPost))
  app.all('/v/:view/dns-query', notAllowed('GET, POST'))
  app.get('/v/:view/resolve', viewed(answerJson))
  app.all('/v/:view/resolve', notAllowed('GET'))

  app.get('/v1/snapshots', (c) => listSnapshots(c, snapshotDeps))
  app.all('/v1/snapshots', notAllowed('GET'))
  app.put('/v1/snapshots/:cluster', (c) => putSnapshot(c, snapshotDeps))
  app.patch('/v1/snapshots/:cluster', (c) => patchSnapshot(c, snapshotDeps))
  app.delete('/v1/snapshots/:cluster', (c) => deleteSnapshot(c, snapshotDeps))
  app.all('/v1/snapshots/:cluster', notAllowed('PUT, PATCH, DELETE'))

  app.get('/healthz', async (c) => {
    const registry = await holder.current()
    return c.json({ status: 'ok', ready: registry.ready })
  })
  app.get('/readyz', async (c) => {
    const registry = await holder.current()
    return c.json({ ready: registry.ready }, registry.ready ? 200 : 503)
  })

  app.notFound((c) => c.json({ error: 'not found' }, 404))
  app.onError((error, c) => {
    events.error?.(error)
    return c.json({ error: 'internal error' }, 500)
  })
  return { app, holder, fastPath: wireFastPath(resolver, settings, deps.rateLimiter, published) }
}

/** The app alone, for runtimes that need nothing else. */
export function createApp(deps: AppDeps): Hono {
  return createMeshdoh(deps).app
}
