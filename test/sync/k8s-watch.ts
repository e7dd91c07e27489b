/**
 * Watch streams for the fake API server: a chunked response of newline-delimited JSON events
 * replayed from `resourceVersion` (or every object as ADDED when it is unset or "0"), then live
 * events. A selector sees an object enter as ADDED and leave as DELETED. BOOKMARKs when asked
 * for, an end after `timeoutSeconds`, and an ERROR 410 Status when the history is gone.
 */
import type { ServerResponse } from 'node:http'
import type { FakeStore, KubeObject, Plural, ResourceType, StoredEvent } from './k8s-store.ts'
import { apiVersionOf, atVersion, selects, status } from './k8s-list.ts'

export interface OpenWatch {
  plural: Plural
  /** Destroys the connection without ending the chunked body. */
  drop(): void
  /** Ends the body cleanly. */
  close(): void
  /** Sends an ERROR event with a 410 Status, then ends the body. */
  gone(): void
}

export function openWatch(
  store: FakeStore,
  route: { type: ResourceType; namespace?: string },
  params: URLSearchParams,
  res: ServerResponse,
  bookmarkIntervalMs: number
): OpenWatch {
  const plural = route.type.plural as Plural
  const matches = selects(route, params)
  const write = (type: string, object: unknown) => {
    if (type !== 'ERROR' && type !== 'BOOKMARK') object = atVersion(route.type, object as KubeObject)
    if (!res.writableEnded) res.write(`${JSON.stringify({ type, object })}\n`)
  }
  const bookmark = () =>
    write('BOOKMARK', {
      kind: route.type.kind,
      apiVersion: apiVersionOf(route.type),
      metadata: { resourceVersion: String(store.resourceVersion) },
    })
  const send = (event: StoredEvent) => {
    const now = matches(event.object)
    const before = event.previous !== undefined && matches(event.previous)
    if (event.type === 'MODIFIED') {
      if (now) write(before ? 'MODIFIED' : 'ADDED', event.object)
      else if (before) write('DELETED', event.object)
    } else if (now) write(event.type, event.object)
  }
  const gone = (from: string) => {
    const message = `too old resource version: ${from} (${store.compacted})`
    write('ERROR', status(410, 'Expired', message))
    res.end()
  }
  const from = params.get('resourceVersion')
  const handle: OpenWatch = {
    plural,
    drop: () => res.socket?.destroy(),
    close: () => res.end(),
    gone: () => gone(from ?? ''),
  }
  res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' })
  res.flushHeaders()
  if (from && from !== '0' && Number(from) < store.compacted) {
    gone(from)
    return handle
  }
  if (!from || from === '0') for (const obj of store.list(plural).filter(matches)) write('ADDED', obj as KubeObject)
  else for (const event of store.since(plural, Number(from))) send(event)
  const unsubscribe = store.subscribe((p, event) => p === plural && send(event))
  const bookmarks = params.get('allowWatchBookmarks') === 'true'
  const ticker = bookmarks ? setInterval(bookmark, bookmarkIntervalMs) : undefined
  const timeoutSeconds = Number(params.get('timeoutSeconds') ?? 0)
  const timeout =
    timeoutSeconds > 0
      ? setTimeout(() => {
          // A last bookmark lets the client resume exactly where the stream stopped.
          if (bookmarks) bookmark()
          res.end()
        }, timeoutSeconds * 1000)
      : undefined
  res.on('close', () => {
    unsubscribe()
    clearInterval(ticker)
    clearTimeout(timeout)
  })
  return handle
}
