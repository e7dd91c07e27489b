/**
 * What `meshdoh vm` writes (README "Connect a VM"): for the cluster, the view's ConfigMap with
 * only the SHA-256 of the view id (src/sync/views.ts reads it); for the VM, the files of its
 * local stub: dnsdist.conf (after deploy/vm/dnsdist.conf, which is this output for the example
 * values), resolv.conf with the view's search list, a systemd drop-in, the CA when there is
 * one, and a README with the checks. Pure: the same options give the same bytes, so the
 * generated files are what the tests run (test/node/vm-e2e.test.ts).
 */
import { parseCidr, parseIp, reverseZonesOf } from '../dns/ip.ts'
import { dnsLabel, dnsName } from '../registry/schema.ts'
import { sha256, toHex } from '../registry/sha256.ts'

/** A file for the VM: its name in the output directory, where it goes, and how private it is. */
export interface VmFile {
  name: string
  /** Where the README's install steps put it on the VM. */
  installPath: string
  content: string
  /** Holds the view id (a secret): written 0600, installed readable by dnsdist only. */
  secret: boolean
}

export interface VmOptions {
  /** The view id: at least 128 bits of randomness, in URL-safe characters. */
  viewId: string
  /** The resolver's base URL, `https://meshdoh.example.com[:port][/prefix]`. */
  resolver: string
  /** The address dnsdist connects to (dnsdist 1.7 takes no name); the URL's host when it is an IP. */
  resolverAddress: string
  namespace: string
  cluster: string
  clusterDomain: string
  serviceCIDRs: readonly string[]
  /** Search domains after the view's own three (`<ns>.svc.<domain> svc.<domain> <domain>`). */
  extraSearch: readonly string[]
  /** The resolvers the VM used before, `ADDR[:PORT]`: every other name goes there. */
  fallback: readonly string[]
  /** The CA certificate (PEM) that signed the resolver's certificate; absent: the system's CAs. */
  caPem?: string
  autoAllocatedVIPs: boolean
  /** The VM's name, for the ConfigMap's name; default: the digest's first 8 hex digits. */
  name?: string
}

export interface VmOutput {
  idSha256: string
  configMapName: string
  /** The view's ConfigMap, for `kubectl apply -f`. */
  configMap: string
  files: VmFile[]
  /** The search list, first entry the one the resolver uses for short names (R16). */
  search: string[]
}

export class VmOptionError extends Error {}

/** Shell lines with their comments in one column. */
function aligned(rows: ReadonlyArray<readonly [string, string]>): string[] {
  const width = Math.max(...rows.map(([command]) => command.length)) + 2
  return rows.map(([command, comment]) => `${command.padEnd(width)}# ${comment}`)
}

export const DNSDIST_CONF = '/etc/dnsdist/dnsdist.conf'
export const CA_PATH = '/etc/dnsdist/meshdoh-ca.pem'
const DROP_IN = '/etc/systemd/system/dnsdist.service.d/meshdoh.conf'

function fail(message: string): never {
  throw new VmOptionError(message)
}

/** `10.0.0.2` → `10.0.0.2:53`, `[fd00::1]:5353` as it is, `fd00::1` → `[fd00::1]:53`. */
export function hostPort(text: string, defaultPort: number, what: string): string {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text)
  const plain = /^([^:]+)(?::(\d+))?$/.exec(text)
  const [host, port] = bracketed
    ? [bracketed[1]!, bracketed[2]]
    : plain
      ? [plain[1]!, plain[2]]
      : parseIp(text)
        ? [text, undefined]
        : []
  if (host === undefined || parseIp(host) === undefined) fail(`${what}: "${text}" is not an IP address[:port]`)
  const n = port === undefined ? defaultPort : Number(port)
  if (!Number.isInteger(n) || n < 1 || n > 65535) fail(`${what}: "${text}" has no valid port`)
  return host.includes(':') ? `[${host}]:${n}` : `${host}:${n}`
}

/** Lua single-quoted string; every value is checked before, this keeps the file well-formed anyway. */
function lua(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`
}

/** YAML double-quoted scalar (JSON's string syntax is a subset of it). */
function yaml(text: string): string {
  return JSON.stringify(text)
}

function normalName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '')
}

function checkName(name: string, what: string): string {
  if (!dnsName.safeParse(name).success) fail(`${what}: "${name}" is not a DNS name`)
  return normalName(name)
}

function checkLabel(label: string, what: string): string {
  if (!dnsLabel.safeParse(label).success) fail(`${what}: "${label}" must be a DNS label (1-63 of a-z, 0-9, -)`)
  return label
}

interface Resolver {
  host: string
  port: number
  path: string
}

function parseResolver(text: string): Resolver {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    fail(`--resolver: "${text}" is not a URL`)
  }
  if (url.protocol !== 'https:') fail('--resolver: dnsdist speaks DoH over TLS only: use an https:// URL')
  if (url.search !== '' || url.hash !== '' || url.username !== '') fail('--resolver: a base URL, without query or user')
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  return { host, port: url.port === '' ? 443 : Number(url.port), path: url.pathname.replace(/\/+$/, '') }
}

/** The view's search list: the VM's namespace, then the cluster domain, then the VM's own domains. */
export function searchList(namespace: string, domain: string, extra: readonly string[]): string[] {
  const list = [`${namespace}.svc.${domain}`, `svc.${domain}`, domain, ...extra.map((d) => checkName(d, '--search'))]
  return [...new Set(list)]
}

export function generateVm(options: VmOptions): VmOutput {
  if (!/^[A-Za-z0-9_-]{22,}$/.test(options.viewId)) fail('the view id must be 22 or more of A-Z, a-z, 0-9, _ and -')
  const namespace = checkLabel(options.namespace, '--namespace')
  const cluster = checkLabel(options.cluster, '--cluster')
  const domain = checkName(options.clusterDomain, '--cluster-domain')
  const resolver = parseResolver(options.resolver)
  const address = hostPort(options.resolverAddress, resolver.port, '--resolver-address')
  if (options.fallback.length === 0) fail('--fallback: give the resolver the VM uses now (its resolv.conf nameserver)')
  const fallback = options.fallback.map((f) => hostPort(f, 53, '--fallback'))
  const zones: string[] = []
  for (const text of options.serviceCIDRs) {
    const cidr = parseCidr(text)
    if (cidr === undefined) fail(`--service-cidr: "${text}" is not a CIDR`)
    zones.push(...reverseZonesOf(cidr))
  }
  if (options.caPem !== undefined && !options.caPem.includes('-----BEGIN CERTIFICATE-----'))
    fail('--ca: not a PEM certificate')
  const search = searchList(namespace, domain, options.extraSearch)
  const idSha256 = toHex(sha256(options.viewId))
  const name = checkLabel(`meshdoh-view-${options.name ?? idSha256.slice(0, 8)}`, '--name')

  const configMap = [
    `# The meshdoh view of VM "${options.name ?? name}": apply it to cluster ${cluster} (kubectl apply -f).`,
    '# It holds the SHA-256 of the view id, never the id; deleting it revokes the VM.',
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    `  name: ${name}`,
    `  namespace: ${namespace}`,
    '  labels:',
    "    meshdoh.dev/view: 'true'",
    'data:',
    `  idSha256: ${yaml(idSha256)}`,
    `  cluster: ${yaml(cluster)}`,
    `  search: ${yaml(search.join(' '))}`,
    `  autoAllocatedVIPs: ${yaml(String(options.autoAllocatedVIPs))}`,
    '',
  ].join('\n')

  const files: VmFile[] = [
    { name: 'dnsdist.conf', installPath: DNSDIST_CONF, secret: true, content: dnsdistConf() },
    { name: 'resolv.conf', installPath: '/etc/resolv.conf', secret: false, content: resolvConf() },
    { name: 'dnsdist-meshdoh.conf', installPath: DROP_IN, secret: false, content: dropIn() },
  ]
  if (options.caPem !== undefined) {
    const pem = options.caPem.endsWith('\n') ? options.caPem : `${options.caPem}\n`
    files.push({ name: 'meshdoh-ca.pem', installPath: CA_PATH, secret: false, content: pem })
  }
  files.push({ name: 'README.md', installPath: '', secret: false, content: readme() })
  return { idSha256, configMapName: name, configMap, files, search }

  function dnsdistConf(): string {
    const lines = [
      `-- ${DNSDIST_CONF}: dnsdist 1.7 or newer as this VM's local stub, written by \`meshdoh vm\`.`,
      `-- The mesh's names and reverse zones go to meshdoh over DoH, on this VM's view URL; everything`,
      `-- else to the resolver the VM used before. The view id in dohPath is a secret: keep this file`,
      `-- readable by dnsdist only.`,
      '',
      '-- No security-poll query at each start: offline, it fails and is logged, and online it would',
      '-- leave through the usual resolver.',
      "setSecurityPollSuffix('')",
      '',
      "setLocal('127.0.0.1:53')",
      "addLocal('[::1]:53')",
      '',
      '-- Everything else: the resolver the VM used before (from DHCP / the old resolv.conf).',
      ...fallback.map(
        (f, i) => `newServer({ address = ${lua(f)}, name = ${lua(i === 0 ? 'usual' : `usual-${i + 1}`)} })`
      ),
      '',
      '-- The mesh: meshdoh over DoH on the view URL. dnsdist 1.7 takes an IP address; subjectName is',
      "-- the name on meshdoh's certificate, and caStore what signed it (without caStore, the",
      "-- system's CAs).",
      'newServer({',
      `  address = ${lua(address)}, name = 'meshdoh', pool = 'mesh',`,
      `  tls = 'openssl', subjectName = ${lua(resolver.host)}, validateCertificates = true,`,
      ...(options.caPem !== undefined ? [`  caStore = ${lua(CA_PATH)},`] : []),
      `  dohPath = ${lua(`${resolver.path}/v/${options.viewId}/dns-query`)},`,
      "  -- health checks go over the same DoH path: the cluster domain's SOA must answer",
      `  checkName = ${lua(`${domain}.`)}, checkType = 'SOA', mustResolve = true,`,
      '})',
      '',
      'local mesh = newSuffixMatchNode()',
      `mesh:add(${lua(domain)})`,
    ]
    if (zones.length > 0) {
      lines.push(
        `-- The reverse zones of the service CIDRs (${options.serviceCIDRs.join(', ')}), so that PTR queries`,
        '-- (dig -x) reach meshdoh too.'
      )
      for (const zone of zones) lines.push(`mesh:add(${lua(zone)})`)
    }
    lines.push(
      "addAction(SuffixMatchNodeRule(mesh), PoolAction('mesh'))",
      '',
      '-- Cache answers for their TTL.',
      "getPool('mesh'):setCache(newPacketCache(10000))",
      ''
    )
    return lines.join('\n')
  }

  function resolvConf(): string {
    return [
      '# /etc/resolv.conf, written by `meshdoh vm`: dnsdist on this VM answers, the mesh through',
      "# meshdoh. The search list is the view's: short names (`reviews`) resolve as in the pod.",
      'nameserver 127.0.0.1',
      `search ${search.join(' ')}`,
      '',
    ].join('\n')
  }

  function dropIn(): string {
    return [
      `# ${DROP_IN}, written by \`meshdoh vm\`: dnsdist is this VM's resolver,`,
      '# so whatever waits for name lookups at boot waits for it.',
      '[Unit]',
      'Wants=nss-lookup.target',
      'Before=nss-lookup.target',
      '',
    ].join('\n')
  }

  function readme(): string {
    const install = [
      'sudo apt-get install dnsdist        # Debian 12: 1.7.3; any 1.7 or newer',
      'sudo install -m 0640 -g _dnsdist dnsdist.conf /etc/dnsdist/dnsdist.conf',
      ...(options.caPem !== undefined ? ['sudo install -m 0644 meshdoh-ca.pem /etc/dnsdist/meshdoh-ca.pem'] : []),
      'sudo install -D -m 0644 dnsdist-meshdoh.conf /etc/systemd/system/dnsdist.service.d/meshdoh.conf',
      'sudo dnsdist --check-config -C /etc/dnsdist/dnsdist.conf',
      'sudo systemctl daemon-reload && sudo systemctl restart dnsdist',
      'sudo cp /etc/resolv.conf /etc/resolv.conf.before-meshdoh',
      '# with systemd-resolved or NetworkManager, /etc/resolv.conf is theirs: see below',
      'sudo install -m 0644 resolv.conf /etc/resolv.conf',
    ]
    return [
      `# This VM's DNS through meshdoh: view of namespace ${namespace}, cluster ${cluster}`,
      '',
      `Written by \`meshdoh vm\`. Mesh names (\`${domain}\`${zones.length > 0 ? ' and the reverse zones of ' + options.serviceCIDRs.join(', ') : ''})`,
      `go to meshdoh at \`${resolver.host}\` over DoH on this VM's view URL; every other name goes to`,
      `${fallback.join(', ')}, as before. \`dnsdist.conf\` holds the view id: keep it private.`,
      '',
      `The cluster side: the ConfigMap \`${name}\` in namespace \`${namespace}\` (it holds only the`,
      'SHA-256 of the id). The VM works once it is applied and the sync job has pushed; deleting it',
      'revokes the VM with the next push.',
      '',
      '## Install',
      '',
      '```sh',
      ...install,
      '```',
      '',
      'Where systemd-resolved or NetworkManager owns `/etc/resolv.conf` (a symlink), stop it',
      'rewriting the file: `sudo systemctl disable --now systemd-resolved` (then the fallback must',
      'not be its 127.0.0.53), or `dns=none` in `/etc/NetworkManager/conf.d/meshdoh.conf`.',
      '',
      '## Check',
      '',
      '```sh',
      ...aligned([
        ['getent hosts reviews', `a short name, through the search list (${search[0]})`],
        [`getent ahosts reviews.${namespace}.svc.${domain}`, 'a full name, IPv4 and IPv6'],
        ['getent hosts example.com', 'a name outside the mesh: the usual resolver'],
        [`dig @127.0.0.1 ${domain} SOA`, 'meshdoh answers through dnsdist'],
        ['sudo journalctl -u dnsdist | grep meshdoh', "'Marking downstream meshdoh ... as up'"],
      ]),
      '```',
      '',
      'Use a Service of your own instead of `reviews`. `getent` resolves as every program on the VM',
      'does (glibc, with the search list); `dig` ignores the search list.',
      '',
    ].join('\n')
  }
}
