/**
 * One GET to the API server, as JSON: the same request the typed client makes (kubeconfig
 * credentials included), without its model classes. Failures are ApiExceptions, so `statusOf`
 * (pager.ts) reads their status.
 */
import {
  ApiException,
  HttpMethod,
  IsomorphicFetchHttpLibrary,
  RequestContext,
  type KubeConfig,
} from '@kubernetes/client-node'

const http = new IsomorphicFetchHttpLibrary()

export type Query = Record<string, string | number | undefined>

export async function getJson<T>(kc: KubeConfig, path: string, query: Query = {}, signal?: AbortSignal): Promise<T> {
  const cluster = kc.getCurrentCluster()
  if (!cluster) throw new Error('the kubeconfig has no current cluster')
  const url = new URL(cluster.server + path)
  for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, String(value))
  const ctx = new RequestContext(url.toString(), HttpMethod.GET)
  ctx.setHeaderParam('Accept', 'application/json')
  if (signal) ctx.setSignal(signal)
  await kc.applySecurityAuthentication(ctx)
  const res = await http.send(ctx).toPromise()
  const text = await res.body.text()
  if (res.httpStatusCode < 200 || res.httpStatusCode > 299) {
    throw new ApiException(res.httpStatusCode, `GET ${path}`, text.slice(0, 500), res.headers)
  }
  return JSON.parse(text) as T
}
