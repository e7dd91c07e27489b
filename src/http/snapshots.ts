/** Snapshot push and status (docs/snapshot-format.md): every status code the contract lists. */
import type { Context } from 'hono'
import { NotCanonical, snapshotDigest } from '../registry/canonical.ts'
import { countNames } from '../registry/compile.ts'
import { parseDelta, resultOf } from '../registry/delta.ts'
import { sha256Hex } from '../registry/index-builder.ts'
import { snapshotDocument } from '../registry/document.ts'
import { checkPublishable } from '../registry/publish-policy.ts'
import { parseSnapshotReusing } from '../registry/revalidate.ts'
import type { Settings } from '../runtime/settings.ts'
import type { Snapshot } from '../registry/schema.ts'
import type { SnapshotStore, StoredSnapshot } from '../store/store.ts'
import { mayPush, pushScope } from './auth.ts'
import type { AppEvents } from './resolver.ts'
import type { RegistryHolder } from '../registry/holder.ts'
import { readBody, type Inflate } from './body.ts'

export interface SnapshotRoutesDeps {
  store: SnapshotStore
  settings: Settings
  /** Told after the store changed, so this isolate serves the change at once. */
  changed: () => void
  now: () => Date
  events: AppEvents
  holder: RegistryHolder
  inflate?: Inflate
}

function unauthorized(c: Context): Response {
  return c.json({ error: 'missing or invalid push token' }, 401, { 'WWW-Authenticate': 'Bearer realm="meshdoh"' })
}

const OUTCOMES: Record<number, string> = {
  200: 'accepted',
  400: 'invalid',
  401: 'unauthorized',
  403: 'forbidden',
  409: 'stale',
  412: 'digest-mismatch',
  413: 'too-large',
  415: 'unsupported',
}

export async function putSnapshot(c: Context, deps: SnapshotRoutesDeps): Promise<Response> {
  const response = await storeSnapshot(c, deps)
  const cluster = c.req.param('cluster') ?? ''
  deps.events.push?.({ cluster, status: response.status, outcome: OUTCOMES[response.status] ?? 'error' })
  return response
}

/** Token, content type, encoding, size and JSON: what a PUT and a PATCH check alike. */
async function readPush(
  c: Context,
  deps: SnapshotRoutesDeps
): Promise<{ ok: true; cluster: string; value: unknown; bytes: Uint8Array } | { ok: false; response: Response }> {
  const cluster = c.req.param('cluster') ?? ''
  if (!(await mayPush(deps.settings.pushTokens, c.req.header('authorization'), cluster)))
    return { ok: false, response: unauthorized(c) }
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
  if (type !== 'application/json' && !type.endsWith('+json')) {
    return { ok: false, response: c.json({ error: 'Content-Type must be application/json' }, 415) }
  }
  const encoding = (c.req.header('content-encoding') ?? 'identity').trim().toLowerCase()
  if (encoding !== 'identity' && encoding !== 'gzip') {
    return {
      ok: false,
      response: c.json({ error: `unsupported Content-Encoding "${encoding}"; use gzip or none` }, 415),
    }
  }
  const body = await readBody(c.req.raw, deps.settings.maxSnapshotBytes, encoding === 'gzip', deps.inflate)
  if (!body.ok)
    return {
      ok: false,
      response: c.json({ error: body.error, ...(body.status === 400 ? { path: '' } : {}) }, body.status),
    }
  try {
    const value = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(body.bytes)) as unknown
    return { ok: true, cluster, value, bytes: body.bytes }
  } catch (error) {
    const message = `not valid JSON: ${error instanceof Error ? error.message : 'parse error'}`
    return { ok: false, response: c.json({ error: message, path: '' }, 400) }
  }
}

async function storeSnapshot(c: Context, deps: SnapshotRoutesDeps): Promise<Response> {
  const read = await readPush(c, deps)
  if (!read.ok) return read.response
  const { cluster, value } = read
  const parsed = parseSnapshotReusing(value, cluster, deps.store.builder?.validatedOf(cluster))
  if (!parsed.ok) return c.json({ error: parsed.error, path: parsed.path }, 400)

  const snapshot = parsed.snapshot
  const violation = checkPublishable(snapshot, deps.settings.publishPolicy.policyOf(cluster))
  if (violation !== undefined) return c.json(violation, 403)
  // Handed over before the put: a store that builds the index as it stores takes it as parsed.
  const digest = await sha256Hex(read.bytes)
  deps.store.builder?.remember(digest, snapshot, parsed.validated)
  return commit(c, deps, snapshot, digest)
}

/** Stores the snapshot a PUT or a PATCH made; answers with its canonical digest, the next delta's base. */
async function commit(
  c: Context,
  deps: SnapshotRoutesDeps,
  snapshot: Snapshot,
  digest: string,
  base?: number,
  known?: string
): Promise<Response> {
  const cluster = snapshot.cluster
  const canonical = known ?? (await canonicalOf(snapshot))
  if (canonical instanceof NotCanonical) return c.json({ error: canonical.message, path: '' }, 400)
  const record: StoredSnapshot = {
    cluster,
    revision: snapshot.revision,
    generatedAt: snapshot.generatedAt,
    receivedAt: deps.now().toISOString(),
    names: countNames(snapshot),
    digest,
    canonical,
    document: snapshotDocument(snapshot),
  }
  const outcome = await deps.store.put(record, base === undefined ? undefined : { base })
  if (outcome.status === 'stale') {
    const error =
      base === undefined
        ? `revision ${snapshot.revision} is not newer than the held revision`
        : `baseRevision ${base} is not the held revision`
    return c.json({ error, current: outcome.current }, 409)
  }
  if (outcome.status === 'stored') deps.changed()
  const { revision, names } = outcome.summary
  return c.json({ cluster, revision, names, digest: canonical }, 200)
}

export async function patchSnapshot(c: Context, deps: SnapshotRoutesDeps): Promise<Response> {
  const response = await applyDeltaPush(c, deps)
  const cluster = c.req.param('cluster') ?? ''
  deps.events.push?.({ cluster, status: response.status, outcome: OUTCOMES[response.status] ?? 'error' })
  return response
}

/** docs/delta-pushes.md: a delta is a cheaper way to reach the snapshot a PUT would have stored. */
async function applyDeltaPush(c: Context, deps: SnapshotRoutesDeps): Promise<Response> {
  const read = await readPush(c, deps)
  if (!read.ok) return read.response
  const { cluster, value } = read
  const parsed = parseDelta(value, cluster)
  if (!parsed.ok) return c.json({ error: parsed.error, path: parsed.path }, 400)
  const delta = parsed.delta
  const digest = await sha256Hex(read.bytes)
  // The document is read only when this process has not kept the held snapshot parsed.
  const held = await deps.store.held(cluster, deps.store.builder === undefined)
  if (held !== undefined && held.revision === delta.revision && held.digest === digest) {
    // The same delta again: answered as it was the first time.
    return c.json({ cluster, revision: held.revision, names: held.names, digest: held.canonical }, 200)
  }
  if (held === undefined || held.revision !== delta.baseRevision) {
    const error =
      held === undefined
        ? `no snapshot is held for cluster "${cluster}"`
        : `baseRevision ${delta.baseRevision} is not the held revision`
    return c.json({ error, current: held?.revision ?? 0 }, 409)
  }
  const base =
    deps.store.builder?.parsed(cluster, held.digest) ??
    (JSON.parse(held.document || (await deps.store.held(cluster))!.document) as Snapshot)
  const result = resultOf(base, delta)
  if (!result.ok) return c.json({ error: result.error, path: result.path }, 400)
  const snapshot = result.snapshot
  const violation = checkPublishable(snapshot, deps.settings.publishPolicy.policyOf(cluster))
  if (violation !== undefined) return c.json(violation, 403)
  const canonical = await canonicalOf(snapshot)
  if (canonical instanceof NotCanonical) return c.json({ error: canonical.message, path: '' }, 400)
  if (canonical !== delta.digest) {
    return c.json({ error: 'the resulting snapshot does not have the digest the delta names', digest: canonical }, 412)
  }
  deps.store.builder?.remember(digest, snapshot)
  return commit(c, deps, snapshot, digest, delta.baseRevision, canonical)
}

/** The canonical digest, or why the snapshot has none (a string RFC 8785 refuses). */
async function canonicalOf(snapshot: Snapshot): Promise<string | NotCanonical> {
  try {
    return await snapshotDigest(snapshot)
  } catch (error) {
    if (error instanceof NotCanonical) return new NotCanonical(`the snapshot has no canonical form: ${error.message}`)
    throw error
  }
}

/**
 * Cluster names, revisions and sizes tell an attacker what runs where, so the list needs a
 * push token, and shows a token bound to clusters only those.
 */
export async function listSnapshots(c: Context, deps: SnapshotRoutesDeps): Promise<Response> {
  const scope = await pushScope(deps.settings.pushTokens, c.req.header('authorization'))
  if (scope === undefined) return unauthorized(c)
  const shown = (cluster: string) => scope === 'all' || scope.has(cluster)
  let list
  try {
    list = await deps.store.list()
  } catch (error) {
    deps.events.error?.(error)
    // The store is unreachable: say what this instance still answers from, and since when.
    const serving = deps.holder.serving()
    return c.json(
      {
        error: 'snapshot store unavailable',
        serving: serving.clusters.filter((s) => shown(s.cluster)),
        stale: serving.stale,
        secondsSinceRead: Math.round(serving.sinceCheckMs / 1000),
      },
      503,
      { 'Cache-Control': 'no-store' }
    )
  }
  return c.json(
    list.filter((s) => shown(s.cluster)).sort((a, b) => (a.cluster < b.cluster ? -1 : 1)),
    200,
    { 'Cache-Control': 'no-store' }
  )
}

export async function deleteSnapshot(c: Context, deps: SnapshotRoutesDeps): Promise<Response> {
  const cluster = c.req.param('cluster') ?? ''
  if (!(await mayPush(deps.settings.pushTokens, c.req.header('authorization'), cluster))) return unauthorized(c)
  if (!(await deps.store.delete(cluster))) return c.json({ error: `no snapshot held for cluster "${cluster}"` }, 404)
  deps.changed()
  return c.json({ cluster, deleted: true }, 200)
}
