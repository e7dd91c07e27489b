/**
 * Lists in pages (`limit` + `continue`), so a large cluster never arrives as one huge response,
 * and strips each page as it comes. An expired continue token (410) falls back to one full list,
 * as client-go's pager does (k8s.io/client-go/tools/pager FullListIfExpired).
 */

/** A page as the API returns it; the generated models spell `continue` as `_continue`. */
export interface ListPage<O> {
  metadata?: { resourceVersion?: string; _continue?: string; continue?: string }
  items: O[]
}

export interface PageRequest {
  limit?: number
  _continue?: string
}

export interface Listed<T> {
  metadata: { resourceVersion: string }
  items: T[]
}

/** The HTTP status of a client-node error: ApiException.code or the watch's statusCode. */
export function statusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined
  const { code, statusCode } = err as { code?: unknown; statusCode?: unknown }
  return typeof code === 'number' ? code : typeof statusCode === 'number' ? statusCode : undefined
}

/** The message of the Status an API error carries (ApiException.body), e.g. who lacks which permission. */
export function statusMessage(err: unknown): string | undefined {
  const body = (err as { body?: unknown } | null)?.body
  if (typeof body !== 'string') return undefined
  try {
    const message = (JSON.parse(body) as { message?: unknown }).message
    return typeof message === 'string' ? message : undefined
  } catch {
    return undefined
  }
}

export async function listAll<O, T>(
  fetchPage: (req: PageRequest) => Promise<ListPage<O>>,
  strip: (item: O) => T,
  limit: number
): Promise<Listed<T>> {
  const items: T[] = []
  let resourceVersion: string
  let token: string | undefined
  do {
    let page: ListPage<O>
    try {
      page = await fetchPage(token === undefined ? { limit } : { limit, _continue: token })
    } catch (err) {
      if (token === undefined || statusOf(err) !== 410) throw err
      const full = await fetchPage({})
      return { metadata: { resourceVersion: full.metadata?.resourceVersion ?? '' }, items: full.items.map(strip) }
    }
    for (const item of page.items ?? []) items.push(strip(item))
    resourceVersion = page.metadata?.resourceVersion ?? ''
    token = page.metadata?._continue || page.metadata?.continue || undefined
  } while (token !== undefined)
  return { metadata: { resourceVersion }, items }
}
