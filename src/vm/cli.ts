/**
 * `meshdoh vm …` (also `npm run vm -- …`): onboards one VM. Makes a random view id, writes the
 * VM's directory (generate.ts) and prints the view's ConfigMap for the cluster, on standard
 * output (`| kubectl apply -f -`) or into a file.
 */
import { randomBytes } from 'node:crypto'
import { lookup } from 'node:dns/promises'
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { generateVm, VmOptionError, type VmOutput } from './generate.ts'

export const VM_USAGE = `usage: meshdoh vm --resolver URL --namespace NS --cluster NAME [options]

Onboards a VM: makes a view id (192 random bits), writes the VM's DNS setup into a directory
(dnsdist.conf, resolv.conf, a systemd drop-in, the CA, a README with the checks), and prints
the view's ConfigMap for the cluster (only the SHA-256 of the id) on standard output:

  meshdoh vm --resolver https://meshdoh.example.com --namespace bookinfo --cluster east-1 \\
    --ca ca.pem --service-cidr 10.96.0.0/12 --name web-1 | kubectl apply -f -

  --resolver URL            meshdoh's base URL (https)                                  required
  --namespace NS            the VM's namespace                                          required
  --cluster NAME            the cluster whose sync job publishes the view               required
  --out DIR                 the VM's directory, made new              default ./meshdoh-vm-<name>
  --config-map FILE         write the ConfigMap there instead of standard output
  --name NAME               the VM's name, in the ConfigMap's: meshdoh-view-<name>
  --resolver-address IP     the address dnsdist connects to        default: the URL's host, looked up
  --ca FILE                 the CA of meshdoh's certificate (dnsdist's caStore); default the system's
  --service-cidr CIDR       a service CIDR whose reverse zone goes to meshdoh; repeatable (IPv6 too)
  --cluster-domain NAME     the cluster's DNS domain                           default cluster.local
  --search NAME             a search domain of the VM's own, after the view's; repeatable
  --fallback ADDR[:PORT]    the resolver for every other name; repeatable
                                                default: the nameservers of this host's resolv.conf
  --no-auto-allocated-vips  the VM's sidecar runs without DNS capture (docs/views.md)`

export interface VmCliIo {
  stdout: { write(text: string): void }
  stderr: { write(text: string): void }
  /** The nameservers fallback defaults to; tests give their own. */
  resolvConf?: string
  lookup?: (host: string) => Promise<string>
  randomId?: () => string
}

/** 24 random bytes, base64url: 192 bits, 32 characters safe in a URL path and a Lua string. */
export function randomViewId(): string {
  return randomBytes(24).toString('base64url')
}

function nameservers(text: string): string[] {
  const out: string[] = []
  for (const line of text.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line)
    // The stub this command sets up: falling back to it would loop.
    if (m && m[1] !== '127.0.0.1' && m[1] !== '::1') out.push(m[1]!)
  }
  return out
}

async function firstAddress(host: string): Promise<string> {
  return (await lookup(host)).address
}

/** Runs the command; resolves to the exit status. */
export async function runVm(argv: readonly string[], io: VmCliIo): Promise<number> {
  let values
  try {
    values = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        resolver: { type: 'string' },
        namespace: { type: 'string' },
        cluster: { type: 'string' },
        out: { type: 'string' },
        'config-map': { type: 'string' },
        name: { type: 'string' },
        'resolver-address': { type: 'string' },
        ca: { type: 'string' },
        'service-cidr': { type: 'string', multiple: true, default: [] },
        'cluster-domain': { type: 'string', default: 'cluster.local' },
        search: { type: 'string', multiple: true, default: [] },
        fallback: { type: 'string', multiple: true, default: [] },
        'no-auto-allocated-vips': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values
  } catch (error) {
    io.stderr.write(`meshdoh vm: ${(error as Error).message}\n${VM_USAGE}\n`)
    return 2
  }
  if (values.help) {
    io.stdout.write(`${VM_USAGE}\n`)
    return 0
  }
  try {
    for (const required of ['resolver', 'namespace', 'cluster'] as const) {
      if (values[required] === undefined) throw new VmOptionError(`--${required} is required`)
    }
    const resolver = values.resolver!
    let address = values['resolver-address']
    if (address === undefined) {
      const host = URL.canParse(resolver) ? new URL(resolver).hostname.replace(/^\[(.*)\]$/, '$1') : ''
      if (isIP(host) !== 0) address = host
      else {
        try {
          address = await (io.lookup ?? firstAddress)(host)
        } catch {
          throw new VmOptionError(`--resolver-address: cannot look up "${host}"; give the address dnsdist connects to`)
        }
        io.stderr.write(`meshdoh vm: ${host} is ${address} now; dnsdist 1.7 needs the address (--resolver-address)\n`)
      }
    }
    let fallback = values.fallback
    if (fallback.length === 0) {
      const text = io.resolvConf ?? (existsSync('/etc/resolv.conf') ? readFileSync('/etc/resolv.conf', 'utf8') : '')
      fallback = nameservers(text)
      if (fallback.length === 0) throw new VmOptionError('--fallback: this host names no resolver to fall back to')
      io.stderr.write(`meshdoh vm: other names go to ${fallback.join(', ')}, this host's resolvers (--fallback)\n`)
    }
    const output = generateVm({
      viewId: (io.randomId ?? randomViewId)(),
      resolver,
      resolverAddress: address,
      namespace: values.namespace!,
      cluster: values.cluster!,
      clusterDomain: values['cluster-domain'],
      serviceCIDRs: values['service-cidr'],
      extraSearch: values.search,
      fallback,
      caPem: values.ca === undefined ? undefined : readFileSync(values.ca, 'utf8'),
      autoAllocatedVIPs: !values['no-auto-allocated-vips'],
      name: values.name,
    })
    const dir = values.out ?? `meshdoh-vm-${output.configMapName.slice('meshdoh-view-'.length)}`
    writeVmDir(dir, output)
    if (values['config-map'] !== undefined) writeFileSync(values['config-map'], output.configMap)
    else io.stdout.write(output.configMap)
    io.stderr.write(
      `meshdoh vm: wrote ${dir}/ for the VM (its README.md says how to install and check it);\n` +
        `  the cluster needs ConfigMap ${values.namespace}/${output.configMapName}` +
        `${values['config-map'] !== undefined ? ` (in ${values['config-map']})` : ' (on standard output)'}\n`
    )
    return 0
  } catch (error) {
    if (!(error instanceof VmOptionError) && !(error instanceof Error && 'code' in error)) throw error
    io.stderr.write(`meshdoh vm: ${error.message}\n`)
    return 2
  }
}

/** A new directory, private: dnsdist.conf holds the view id. An existing one is refused, not overwritten. */
export function writeVmDir(dir: string, output: VmOutput): void {
  if (existsSync(dir) && readdirSync(dir).length > 0)
    throw new VmOptionError(`--out: ${dir} exists and is not empty; a new VM gets a new directory`)
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  chmodSync(dir, 0o700)
  for (const file of output.files) {
    const path = join(dir, file.name)
    writeFileSync(path, file.content, { mode: file.secret ? 0o600 : 0o644 })
  }
}
