/**
 * Command-line flags and environment variables: one table drives parsing and `--help`, so the
 * help can never forget a setting. A flag wins over its environment variable, which wins over
 * the default.
 */
import { parseArgs } from 'node:util'

export interface Setting {
  flag: string
  env?: string
  arg?: string
  boolean?: boolean
  multiple?: boolean
  default?: string
  help: string
}

export const SETTINGS: readonly Setting[] = [
  {
    flag: 'cluster',
    env: 'MESHDOH_SYNC_CLUSTER',
    arg: 'NAME',
    help: 'cluster name in the snapshot and the push URL (a DNS label); required',
  },
  {
    flag: 'target',
    env: 'MESHDOH_SYNC_TARGETS',
    arg: 'URL',
    multiple: true,
    help: 'resolver base URL to push to (PUT and PATCH {url}/v1/snapshots/CLUSTER); repeat the flag, or comma-separate in the variable; required unless --dry-run',
  },
  {
    flag: 'token-file',
    env: 'MESHDOH_SYNC_TOKEN_FILE',
    arg: 'PATH',
    help: 'file holding the push token, re-read on every push (a mounted Secret)',
  },
  {
    flag: 'kubeconfig',
    arg: 'PATH',
    help: 'kubeconfig file; without it: $KUBECONFIG, ~/.kube/config, then the in-cluster service account',
  },
  {
    flag: 'context',
    env: 'MESHDOH_SYNC_CONTEXT',
    arg: 'NAME',
    help: 'kubeconfig context to use instead of the current one',
  },
  {
    flag: 'cluster-domain',
    env: 'MESHDOH_SYNC_CLUSTER_DOMAIN',
    arg: 'NAME',
    default: 'cluster.local',
    help: "the cluster's DNS domain",
  },
  { flag: 'ttl', env: 'MESHDOH_SYNC_TTL', arg: 'SECONDS', default: '30', help: 'TTL of positive answers, 0-86400' },
  {
    flag: 'service-cidr',
    env: 'MESHDOH_SYNC_SERVICE_CIDRS',
    arg: 'CIDR',
    multiple: true,
    help: 'service CIDR whose reverse zone the resolver owns; repeatable / comma-separated',
  },
  {
    flag: 'mesh-config',
    env: 'MESHDOH_SYNC_MESH_CONFIG',
    arg: 'NS/NAME',
    default: 'istio-system/istio',
    help: "ConfigMap holding Istio's mesh config (key `mesh`)",
  },
  {
    flag: 'debounce',
    env: 'MESHDOH_SYNC_DEBOUNCE',
    arg: 'DURATION',
    default: '100ms',
    help: 'quiet period after a change before building and pushing',
  },
  {
    flag: 'debounce-max',
    env: 'MESHDOH_SYNC_DEBOUNCE_MAX',
    arg: 'DURATION',
    default: '1s',
    help: 'longest wait after the first change of a burst, however busy',
  },
  {
    flag: 'max-shrink',
    env: 'MESHDOH_SYNC_MAX_SHRINK',
    arg: 'FRACTION',
    default: '0.5',
    help: 'refuse snapshots dropping more than this share of the last pushed names; 1 turns the guard off',
  },
  {
    flag: 'push-timeout',
    env: 'MESHDOH_SYNC_PUSH_TIMEOUT',
    arg: 'DURATION',
    default: '10s',
    help: 'timeout of one push',
  },
  {
    flag: 'retry-base',
    env: 'MESHDOH_SYNC_RETRY_BASE',
    arg: 'DURATION',
    default: '500ms',
    help: 'first retry delay (doubles, with jitter); also for watch restarts',
  },
  { flag: 'retry-max', env: 'MESHDOH_SYNC_RETRY_MAX', arg: 'DURATION', default: '30s', help: 'longest retry delay' },
  {
    flag: 'watch-timeout',
    env: 'MESHDOH_SYNC_WATCH_TIMEOUT',
    arg: 'DURATION',
    default: '5m',
    help: 'server-side timeout of each watch request, after which it is reopened',
  },
  { flag: 'page-size', env: 'MESHDOH_SYNC_PAGE_SIZE', arg: 'N', default: '500', help: 'objects per page of a list' },
  {
    flag: 'listen',
    env: 'MESHDOH_SYNC_LISTEN',
    arg: 'HOST:PORT',
    default: '127.0.0.1:9090',
    help: 'address of /healthz, /readyz and /metrics; "off" to disable',
  },
  {
    flag: 'log-level',
    env: 'MESHDOH_SYNC_LOG_LEVEL',
    arg: 'LEVEL',
    default: 'info',
    help: 'trace, debug, info, warn, error or silent (logs go to stderr)',
  },
  {
    flag: 'once',
    boolean: true,
    help: 'build one snapshot after the initial sync, push it, exit (status 0 if every target accepted it)',
  },
  {
    flag: 'once-timeout',
    env: 'MESHDOH_SYNC_ONCE_TIMEOUT',
    arg: 'DURATION',
    default: '60s',
    help: 'with --once: give up if the initial sync takes longer',
  },
  { flag: 'dry-run', boolean: true, help: 'print snapshots as JSON on stdout instead of pushing them' },
  { flag: 'help', boolean: true, help: 'show this help' },
]

/** Environment variables without a flag: secrets stay off the command line, where `ps` shows them. */
export const ENV_ONLY = [
  { env: 'MESHDOH_SYNC_TOKEN', help: 'the push token itself, when there is no token file' },
  { env: 'KUBECONFIG', help: 'kubeconfig file(s), colon-separated, read when --kubeconfig is not given' },
]

export class FlagError extends Error {}

export type RawSettings = Record<string, string | string[] | boolean | undefined>

/** Flags over environment over defaults; values are still text (settings.ts gives them types). */
export function readFlags(argv: readonly string[], env: Record<string, string | undefined>): RawSettings {
  const options = Object.fromEntries(
    SETTINGS.map((s) => [
      s.flag,
      { type: s.boolean ? ('boolean' as const) : ('string' as const), multiple: s.multiple ?? false },
    ])
  )
  let values: Record<string, unknown>
  try {
    values = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values
  } catch (err) {
    throw new FlagError((err as Error).message)
  }
  const out: RawSettings = {}
  for (const s of SETTINGS) {
    const given = values[s.flag] as string | string[] | boolean | undefined
    const fromEnv = s.env !== undefined ? env[s.env] : undefined
    if (given !== undefined) out[s.flag] = s.multiple ? (given as string[]).flatMap(splitList) : given
    else if (fromEnv !== undefined && fromEnv !== '') out[s.flag] = s.multiple ? splitList(fromEnv) : fromEnv
    else out[s.flag] = s.default
  }
  return out
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '')
}

/** `250ms`, `2s`, `5m`, `1h` → milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim())
  if (!m) throw new FlagError(`--${flag}: "${text}" is not a duration such as 250ms, 2s, 5m`)
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h']
  return Math.round(Number(m[1]) * unit)
}

export function helpText(): string {
  const lines = [
    'meshdoh sync: watches Kubernetes and Istio, builds the registry snapshot, pushes it to resolvers.',
    '',
    'Usage: npm run sync -- --cluster NAME --target URL [flags]',
    '       npm run sync -- --cluster NAME --once --dry-run      (print one snapshot and exit)',
    '',
    'Flags (environment variable in brackets, default after "="):',
  ]
  for (const s of SETTINGS) {
    const name = `--${s.flag}${s.arg ? ` ${s.arg}` : ''}`
    const extra = [s.env ? `[${s.env}]` : '', s.default !== undefined ? `= ${s.default}` : ''].filter(Boolean).join(' ')
    lines.push(`  ${name.padEnd(26)} ${s.help}${extra ? ` ${extra}` : ''}`)
  }
  lines.push('', 'Environment only:')
  for (const e of ENV_ONLY) lines.push(`  ${e.env.padEnd(26)} ${e.help}`)
  lines.push(
    '',
    'Pushes: the first snapshot after a start goes whole (PUT /v1/snapshots/CLUSTER); later changes go as',
    "deltas (PATCH) from the revision each target acknowledged, checked by the resolver against the snapshot's",
    'digest. A 409 or 412 answer, or a resolver without PATCH, gets the whole snapshot again.',
    '',
    'Durations: 250ms, 2s, 5m, 1h. The cluster name must be a DNS label; see src/sync/README.md.'
  )
  return lines.join('\n') + '\n'
}
