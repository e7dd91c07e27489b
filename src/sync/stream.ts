/**
 * The watch transport under each informer: client-node's Watch, asking for bookmarks and a
 * server-side timeout, stripping every object as it arrives so the informer caches hold small
 * records, and reporting why each stream ended.
 */
import { Watch, type KubeConfig } from '@kubernetes/client-node'
import type { RestartReason } from './metrics.ts'
import { statusOf } from './pager.ts'

export interface StreamOptions {
  /** Asked of the API server, which ends the stream after it (client-go picks 5–10 minutes). */
  timeoutSeconds: number
  strip: (obj: unknown) => unknown
  onEnd: (reason: RestartReason) => void
  stopped: () => boolean
}

export class SlimWatch extends Watch {
  constructor(
    config: KubeConfig,
    private readonly options: StreamOptions
  ) {
    super(config)
  }

  override async watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void
  ): Promise<AbortController> {
    // ListWatch opens a new watch after a list even when stopped meanwhile; refuse it here.
    if (this.options.stopped()) return new AbortController()
    let gone = false
    const params = { ...queryParams, allowWatchBookmarks: true, timeoutSeconds: this.options.timeoutSeconds }
    const onEvent = (phase: string, obj: unknown) => {
      if (phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED')
        return callback(phase, this.options.strip(obj))
      // An ERROR event carries a Status; 410 means our resourceVersion is too old: relist.
      if (phase === 'ERROR' && statusOf(obj) === 410) gone = true
      callback(phase, obj)
    }
    const onDone = (err: unknown) => {
      if (!this.options.stopped()) this.options.onEnd(reasonOf(err, gone))
      done(err)
    }
    return super.watch(path, params, onEvent, onDone)
  }
}

function reasonOf(err: unknown, gone: boolean): RestartReason {
  if (gone || statusOf(err) === 410) return 'gone'
  if (err === null || err === undefined) return 'closed'
  return (err as { name?: unknown }).name === 'TimeoutError' ? 'timeout' : 'error'
}
