/**
 * The job's settings, typed and checked at start: a typo must stop the job before it pushes.
 * Snapshot fields are checked with the shared schema (registry/schema.ts), not a copy of it.
 */
import type { z } from 'zod'
import { snapshot } from '../registry/schema.ts'
import type { BuildOptions } from './build.ts'
import type { DebounceOptions } from './debounce.ts'
import { FlagError, parseDuration, type RawSettings } from './flags.ts'
import type { InformerOptions } from './informer.ts'
import type { TokenSource } from './push.ts'
import type { MeshConfigRef } from './resources.ts'
import type { BackoffOptions } from './backoff.ts'

export interface SyncSettings {
  build: BuildOptions
  targets: string[]
  token: TokenSource
  kubeconfig?: string
  context?: string
  meshConfig: MeshConfigRef
  debounce: DebounceOptions
  maxShrink: number
  push: { timeoutMs: number; retry: BackoffOptions }
  watch: InformerOptions
  listen?: { host: string; port: number }
  logLevel: string
  once: boolean
  onceTimeoutMs: number
  dryRun: boolean
}

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']
// Istio CRDs missing at start are looked for again this often.
const CRD_RECHECK_MS = 5 * 60_000

function text(raw: RawSettings, key: string): string | undefined {
  const v = raw[key]
  return typeof v === 'string' ? v : undefined
}

function list(raw: RawSettings, key: string): string[] {
  const v = raw[key]
  return Array.isArray(v) ? v : []
}

function check<T>(schema: z.ZodType<T>, value: unknown, flag: string): T {
  const r = schema.safeParse(value)
  if (!r.success) throw new FlagError(`--${flag}: ${r.error.issues[0]?.message ?? 'invalid'}`)
  return r.data
}

function number(raw: RawSettings, key: string, min: number, max: number): number {
  const n = Number(text(raw, key))
  if (!Number.isFinite(n) || n < min || n > max) throw new FlagError(`--${key}: must be a number from ${min} to ${max}`)
  return n
}

export function toSettings(raw: RawSettings, env: Record<string, string | undefined>): SyncSettings {
  const cluster = check(snapshot.shape.cluster, text(raw, 'cluster'), 'cluster')
  const clusterDomain = check(snapshot.shape.clusterDomain, text(raw, 'cluster-domain'), 'cluster-domain').replace(
    /\.$/,
    ''
  )
  const ttl = check(snapshot.shape.ttl, Number(text(raw, 'ttl')), 'ttl')
  const cidrs = list(raw, 'service-cidr')
  if (cidrs.length > 0) check(snapshot.shape.serviceCIDRs, cidrs, 'service-cidr')
  const dryRun = raw['dry-run'] === true
  const targets = list(raw, 'target')
  for (const t of targets) {
    if (!URL.canParse(t) || !/^https?:$/.test(new URL(t).protocol))
      throw new FlagError(`--target: "${t}" is not an http(s) URL`)
  }
  if (targets.length === 0 && !dryRun)
    throw new FlagError('--target: at least one resolver URL is required (or --dry-run)')
  const tokenFile = text(raw, 'token-file')
  const token: TokenSource = tokenFile !== undefined ? { file: tokenFile } : { value: env['MESHDOH_SYNC_TOKEN'] }
  const [meshNs, meshName, ...rest] = (text(raw, 'mesh-config') ?? '').split('/')
  if (!meshNs || !meshName || rest.length > 0) throw new FlagError('--mesh-config: expected NAMESPACE/NAME')
  const logLevel = text(raw, 'log-level') ?? 'info'
  if (!LEVELS.includes(logLevel)) throw new FlagError(`--log-level: one of ${LEVELS.join(', ')}`)
  const retry = {
    baseMs: parseDuration(text(raw, 'retry-base')!, 'retry-base'),
    maxMs: parseDuration(text(raw, 'retry-max')!, 'retry-max'),
  }
  const out: SyncSettings = {
    build: { cluster, clusterDomain, ttl, ...(cidrs.length > 0 ? { serviceCIDRs: cidrs } : {}) },
    targets,
    token,
    meshConfig: { namespace: meshNs, name: meshName },
    debounce: {
      quietMs: parseDuration(text(raw, 'debounce')!, 'debounce'),
      maxDelayMs: parseDuration(text(raw, 'debounce-max')!, 'debounce-max'),
    },
    maxShrink: number(raw, 'max-shrink', 0, 1),
    push: { timeoutMs: parseDuration(text(raw, 'push-timeout')!, 'push-timeout'), retry },
    watch: {
      timeoutSeconds: Math.max(1, Math.round(parseDuration(text(raw, 'watch-timeout')!, 'watch-timeout') / 1000)),
      pageSize: number(raw, 'page-size', 1, 100_000),
      reconnect: retry,
      recheckMs: CRD_RECHECK_MS,
    },
    logLevel,
    once: raw['once'] === true,
    onceTimeoutMs: parseDuration(text(raw, 'once-timeout')!, 'once-timeout'),
    dryRun,
  }
  const kubeconfig = text(raw, 'kubeconfig')
  const context = text(raw, 'context')
  if (kubeconfig !== undefined) out.kubeconfig = kubeconfig
  if (context !== undefined) out.context = context
  const listen = text(raw, 'listen')
  if (listen !== undefined && listen !== 'off') out.listen = parseListen(listen)
  return out
}

function parseListen(value: string): { host: string; port: number } {
  const m = /^\[?([^\]]*)\]?:(\d+)$/.exec(value)
  const port = Number(m?.[2])
  if (!m || port > 65535) throw new FlagError(`--listen: "${value}" is not HOST:PORT`)
  return { host: m[1] || '0.0.0.0', port }
}
