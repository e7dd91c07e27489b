/**
 * The Node server's configuration: the settings every runtime reads (docs/views.md) plus the
 * Node-only ones, from the environment or a JSON config file with the same keys. The
 * environment wins over the file, so a secret can be injected without editing the file.
 */
import { readFileSync } from 'node:fs'
import { DEFAULT_LIMITS, type ConnectionLimits } from './node-limits.ts'
import { parseBoolean, parseSettings, SettingsError, type Settings, type SettingsSource } from './settings.ts'

export interface ListenAddress {
  host: string
  port: number
}

export interface TlsFiles {
  certFile: string
  keyFile: string
}

export interface NodeConfig {
  settings: Settings
  listen: ListenAddress
  tls?: TlsFiles
  dataDir: string
  /** pino level; `debug` adds one line per query. */
  logLevel: string
  /** How long SIGTERM waits for in-flight requests before it closes what is left. */
  drainMs: number
  /** Server processes sharing the port (node:cluster); 1: this process serves alone. */
  processes: number
  /** Keep each cluster's last push to revalidate and compile only what the next one changes. */
  keepLastPush: boolean
  /** What one client may hold, and for how long (node-limits.ts). */
  limits: ConnectionLimits
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

export const USAGE = `usage: meshdoh [--config path.json]

Serves DNS-over-HTTPS for mesh names (docs/views.md). Settings come from the environment
(MESHDOH_*) or from a JSON file with the same keys; the environment wins.
  MESHDOH_LISTEN          host:port, default 127.0.0.1:8053
  MESHDOH_TLS_CERT/_KEY   PEM files: TLS with h2 and http/1.1; without: cleartext h2c and HTTP/1.1
  MESHDOH_DATA_DIR        where accepted snapshots are kept, default ./data
  MESHDOH_LOG_LEVEL       info (default), debug (one line per query), warn, error
  MESHDOH_DRAIN_SECONDS   SIGTERM waits this long for in-flight requests, default 10
  MESHDOH_PROCESSES       server processes sharing the port (node:cluster), default 1
  MESHDOH_KEEP_LAST_PUSH  true (default): a push costs only what it changed, for memory; false
  MESHDOH_MAX_STREAMS     concurrent HTTP/2 streams per connection (SETTINGS), default 100
  MESHDOH_MAX_OPEN_STREAMS  open HTTP/2 streams across all connections, default 10000
  MESHDOH_MAX_CONNECTIONS connections held at once, default 10000
  MESHDOH_HANDSHAKE_SECONDS  TLS, protocol detection and HTTP/1.1 headers must finish within, default 10
  MESHDOH_REQUEST_SECONDS a request must be answered within, body included, default 30
  MESHDOH_IDLE_SECONDS    a connection with nothing in flight is closed after, default 60
SIGHUP reloads the certificate and key; SIGTERM stops accepting, drains, then exits.`

/** `--config path` / `--config=path`; `--help`. Anything else is an error. */
export function parseArgs(argv: string[]): { config?: string; help: boolean } {
  const out: { config?: string; help: boolean } = { help: false }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--help' || arg === '-h') out.help = true
    else if (arg === '--config' && argv[i + 1] !== undefined) out.config = argv[++i]
    else if (arg.startsWith('--config=')) out.config = arg.slice('--config='.length)
    else throw new SettingsError(`unknown argument "${arg}"\n${USAGE}`)
  }
  return out
}

/**
 * A config file: one JSON object of MESHDOH_* keys. Values may be written as JSON (an object
 * for MESHDOH_VIEWS, a boolean for MESHDOH_ANONYMOUS): they become the text the env would hold.
 */
export function readConfigFile(path: string): SettingsSource {
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw new SettingsError(`config file ${path}: ${error instanceof Error ? error.message : String(error)}`)
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new SettingsError(`config file ${path}: not a JSON object`)
  const source: SettingsSource = {}
  for (const [key, value] of Object.entries(raw)) {
    if (!key.startsWith('MESHDOH_'))
      throw new SettingsError(`config file ${path}: unknown key "${key}" (keys are MESHDOH_* settings)`)
    if (value === null || value === undefined) continue
    source[key] = typeof value === 'string' ? value : JSON.stringify(value)
  }
  return source
}

/** `host:port`, `[v6]:port` or `:port` (all interfaces). */
export function parseListen(text: string): ListenAddress {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim())
  const port = Number(match?.[3])
  if (!match || port > 65535) throw new SettingsError(`MESHDOH_LISTEN must be host:port, not "${text}"`)
  return { host: match[1] ?? (match[2] || '0.0.0.0'), port }
}

export function parseNodeConfig(source: SettingsSource): NodeConfig {
  const cert = source.MESHDOH_TLS_CERT?.trim() || undefined
  const key = source.MESHDOH_TLS_KEY?.trim() || undefined
  if ((cert === undefined) !== (key === undefined))
    throw new SettingsError('MESHDOH_TLS_CERT and MESHDOH_TLS_KEY go together')
  const logLevel = source.MESHDOH_LOG_LEVEL?.trim() || 'info'
  if (!LOG_LEVELS.includes(logLevel))
    throw new SettingsError(`MESHDOH_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`)
  const drainSeconds = Number(source.MESHDOH_DRAIN_SECONDS?.trim() || 10)
  if (!Number.isFinite(drainSeconds) || drainSeconds < 0)
    throw new SettingsError('MESHDOH_DRAIN_SECONDS must be a number of seconds')
  return {
    settings: parseSettings(source),
    listen: parseListen(source.MESHDOH_LISTEN?.trim() || '127.0.0.1:8053'),
    tls: cert !== undefined && key !== undefined ? { certFile: cert, keyFile: key } : undefined,
    dataDir: source.MESHDOH_DATA_DIR?.trim() || './data',
    logLevel,
    drainMs: drainSeconds * 1000,
    processes: parseProcesses(source.MESHDOH_PROCESSES),
    keepLastPush: parseBoolean('MESHDOH_KEEP_LAST_PUSH', source.MESHDOH_KEEP_LAST_PUSH, true),
    limits: parseLimits(source),
  }
}

function parseLimits(source: SettingsSource): ConnectionLimits {
  const whole = (name: string, fallback: number) => {
    const text = source[name]?.trim()
    if (!text) return fallback
    const value = Number(text)
    if (!Number.isInteger(value) || value < 1) throw new SettingsError(`${name} must be a whole number above 0`)
    return value
  }
  const seconds = (name: string, fallbackMs: number) => {
    const text = source[name]?.trim()
    if (!text) return fallbackMs
    const value = Number(text)
    if (!Number.isFinite(value) || value <= 0) throw new SettingsError(`${name} must be a number of seconds above 0`)
    return value * 1000
  }
  const handshakeMs = seconds('MESHDOH_HANDSHAKE_SECONDS', DEFAULT_LIMITS.handshakeMs)
  return {
    maxStreams: whole('MESHDOH_MAX_STREAMS', DEFAULT_LIMITS.maxStreams),
    maxOpenStreams: whole('MESHDOH_MAX_OPEN_STREAMS', DEFAULT_LIMITS.maxOpenStreams),
    maxConnections: whole('MESHDOH_MAX_CONNECTIONS', DEFAULT_LIMITS.maxConnections),
    handshakeMs,
    headersMs: handshakeMs,
    requestMs: seconds('MESHDOH_REQUEST_SECONDS', DEFAULT_LIMITS.requestMs),
    idleMs: seconds('MESHDOH_IDLE_SECONDS', DEFAULT_LIMITS.idleMs),
  }
}

/** The whole configuration of one start: the file (if any) under the environment. */
export function loadNodeConfig(argv: string[], env: SettingsSource): NodeConfig | 'help' {
  const args = parseArgs(argv)
  if (args.help) return 'help'
  const file = args.config !== undefined ? readConfigFile(args.config) : {}
  const fromEnv = Object.fromEntries(
    Object.entries(env).filter(([k, v]) => k.startsWith('MESHDOH_') && v !== undefined)
  )
  return parseNodeConfig({ ...file, ...fromEnv })
}

function parseProcesses(text: string | undefined): number {
  const value = Number(text?.trim() || 1)
  if (!Number.isInteger(value) || value < 1 || value > 256)
    throw new SettingsError('MESHDOH_PROCESSES must be a whole number from 1 to 256')
  return value
}
