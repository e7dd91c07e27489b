/** Requests to the Worker under test, running inside workerd. */
import { SELF } from 'cloudflare:test'
import { base64url, decode, wireQuery, type QueryOptions } from './dns.ts'
import type { SnapshotDoc } from './fixtures.ts'

export const BASE = 'https://meshdoh.test'
export const TOKEN = 'test-token'

export function push(doc: SnapshotDoc, options: { cluster?: string; token?: string } = {}): Promise<Response> {
  const cluster = options.cluster ?? String(doc.cluster)
  return SELF.fetch(`${BASE}/v1/snapshots/${cluster}`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${options.token ?? TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(doc),
  })
}

export async function clear(): Promise<void> {
  const list = (await (
    await SELF.fetch(`${BASE}/v1/snapshots`, { headers: { Authorization: `Bearer ${TOKEN}` } })
  ).json()) as Array<{ cluster: string }>
  for (const { cluster } of list) {
    await SELF.fetch(`${BASE}/v1/snapshots/${cluster}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${TOKEN}` },
    })
  }
}

/** Sends a wire query with GET and returns the HTTP response and its decoded message. */
export async function queryGet(name: string, type: string, options: QueryOptions & { path?: string } = {}) {
  const response = await SELF.fetch(
    `${BASE}${options.path ?? '/dns-query'}?dns=${base64url(wireQuery(name, type, options))}`
  )
  const bytes = new Uint8Array(await response.arrayBuffer())
  return { response, bytes, message: decode(bytes) }
}

export async function queryPost(name: string, type: string, options: QueryOptions & { path?: string } = {}) {
  const response = await SELF.fetch(`${BASE}${options.path ?? '/dns-query'}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/dns-message' },
    body: wireQuery(name, type, options),
  })
  const bytes = new Uint8Array(await response.arrayBuffer())
  return { response, bytes, message: decode(bytes) }
}

export async function resolveJson(name: string, type?: string, path = '/resolve') {
  const params = new URLSearchParams({ name })
  if (type !== undefined) params.set('type', type)
  const response = await SELF.fetch(`${BASE}${path}?${params}`)
  return { response, body: (await response.json()) as Record<string, unknown> }
}
