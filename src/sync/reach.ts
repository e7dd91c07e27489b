/**
 * Whether the API server answers, asked once at start (GET /version) with a few quick retries.
 * Without it an unreachable server showed only as "fetch failed" warnings until --once-timeout,
 * or forever for the daemon; now the job exits at once with one line naming the server and the
 * cause. Once running, the informers retry for as long as it takes (informer.ts).
 */
import { ApiException, type KubeConfig } from '@kubernetes/client-node'
import { backoffDelay, sleep, type BackoffOptions } from './backoff.ts'
import { getJson } from './request.ts'

export interface ReachOptions {
  attempts: number
  /** Per attempt: a server that drops SYNs must not hold the start for minutes. */
  timeoutMs: number
  retry: BackoffOptions
}

// At most 1.5 s of waiting when refused outright; at most 3 × 5 s and that when nothing answers.
export const REACH: ReachOptions = { attempts: 3, timeoutMs: 5000, retry: { baseMs: 500, maxMs: 2000 } }

interface Cause {
  code?: unknown
  message?: unknown
  errors?: unknown
}

/** An error as one line: a fetch failure names its cause (errno and address), not just "fetch failed". */
export function describeFailure(err: unknown): string {
  if ((err as { name?: unknown } | null)?.name === 'TimeoutError') return 'no answer in time'
  if (!(err instanceof Error)) return String(err)
  let cause = err.cause as Cause | undefined
  // Several addresses (localhost as ::1 and 127.0.0.1) come as an AggregateError: show the first.
  if (cause && !cause.message && Array.isArray(cause.errors)) cause = cause.errors[0] as Cause
  if (cause === undefined || cause === null) return err.message.split('\n')[0]!
  const code = typeof cause.code === 'string' ? cause.code : undefined
  const text = typeof cause.message === 'string' ? cause.message : ''
  return code !== undefined && !text.includes(code) ? `${code}: ${text}` : text || (code ?? err.message)
}

/** host:port of the current cluster's server, the port spelled out. */
export function serverAddress(kc: KubeConfig): string {
  const server = kc.getCurrentCluster()?.server ?? ''
  if (!URL.canParse(server)) return server
  const url = new URL(server)
  return `${url.hostname}:${url.port || (url.protocol === 'http:' ? '80' : '443')}`
}

/** Resolves to undefined when the server answered, else to the one line that says why not. */
export async function checkApiServer(kc: KubeConfig, options: ReachOptions = REACH): Promise<string | undefined> {
  const where = `the Kubernetes API server at ${serverAddress(kc)}`
  let last = ''
  for (let attempt = 0; attempt < options.attempts; attempt++) {
    if (attempt > 0) await sleep(backoffDelay(attempt - 1, options.retry))
    try {
      await getJson(kc, '/version', {}, AbortSignal.timeout(options.timeoutMs))
      return undefined
    } catch (err) {
      // Not statusOf: a timeout's DOMException carries a numeric `code` (23) of its own.
      const status = err instanceof ApiException ? err.code : undefined
      if (status === 401) return `${where} refused the kubeconfig's credentials (401 Unauthorized)`
      // Any other answer proves the server is there; what it refuses, the informers will say.
      if (status !== undefined && status < 500) return undefined
      // Nothing was sent (a kubeconfig the client refuses, such as http:// without
      // insecure-skip-tls-verify): trying again cannot help.
      if (status === undefined && (err as Error).cause === undefined && (err as Error).name !== 'TimeoutError') {
        return `cannot use ${where}: ${describeFailure(err)}`
      }
      last = status !== undefined ? `HTTP ${status}` : describeFailure(err)
    }
  }
  return `cannot reach ${where} (${options.attempts} attempts): ${last}`
}
