/**
 * `meshdoh vm`: the ConfigMap holds only the id's digest and reads back, through the sync
 * job's own reader, as the view the VM's files are for; dnsdist accepts every dnsdist.conf it
 * writes; the reverse zones are the resolver's own (both families); the directory is private;
 * bad options stop it with the option named.
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadYaml, type V1ConfigMap } from '@kubernetes/client-node'
import { afterAll, describe, expect, it } from 'vitest'
import { toViewRecord } from '../../src/sync/views.ts'
import { randomViewId, runVm } from '../../src/vm/cli.ts'
import { generateVm, hostPort, VmOptionError, type VmOptions } from '../../src/vm/generate.ts'
import { makePki } from './support/pki.ts'
import { requireTool, run } from './support/process.ts'
import { removeTempDirs, tempDir } from './support/temp.ts'
import { binArgs, tsxArgs } from './support/tsx.ts'

const ID = 'Hk2bV9q0Xw7LmN3pR5sT8uYz1aCdEfGh'
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'

const base: VmOptions = {
  viewId: ID,
  resolver: 'https://meshdoh.example.com',
  resolverAddress: '203.0.113.10',
  namespace: 'bookinfo',
  cluster: 'east-1',
  clusterDomain: 'cluster.local',
  serviceCIDRs: ['10.96.0.0/12', 'fd00:10:96::/112'],
  extraSearch: [],
  fallback: ['10.0.0.2'],
  autoAllocatedVIPs: true,
  name: 'web-1',
}

const file = (out: ReturnType<typeof generateVm>, name: string) => out.files.find((f) => f.name === name)!.content

afterAll(removeTempDirs)

describe('the view ConfigMap', () => {
  it('holds the SHA-256 of the id, never the id, and reads back through the sync job as the view', () => {
    const out = generateVm({ ...base, extraSearch: ['corp.example.com'], autoAllocatedVIPs: false })
    const digest = createHash('sha256').update(ID).digest('hex')
    expect(out.idSha256).toBe(digest)
    expect(out.configMap).not.toContain(ID)
    const cm = loadYaml<V1ConfigMap>(out.configMap)
    expect(cm.metadata).toMatchObject({
      name: 'meshdoh-view-web-1',
      namespace: 'bookinfo',
      labels: { 'meshdoh.dev/view': 'true' },
    })
    expect(toViewRecord(cm)).toEqual({
      namespace: 'bookinfo',
      name: 'meshdoh-view-web-1',
      view: {
        idSha256: digest,
        namespace: 'bookinfo',
        cluster: 'east-1',
        search: ['bookinfo.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example.com'],
        autoAllocatedVIPs: false,
      },
    })
    // The VM's resolv.conf has the search list the view declares.
    expect(file(out, 'resolv.conf')).toContain(
      '\nnameserver 127.0.0.1\nsearch bookinfo.svc.cluster.local svc.cluster.local cluster.local corp.example.com\n'
    )
  })

  it('is named after the digest when the VM has no name', () => {
    const out = generateVm({ ...base, name: undefined })
    expect(out.configMapName).toBe(`meshdoh-view-${out.idSha256.slice(0, 8)}`)
  })
})

describe('dnsdist.conf', () => {
  it('routes the cluster domain and the reverse zones of IPv4 and IPv6 CIDRs, off label boundaries too', () => {
    const conf = file(generateVm({ ...base, serviceCIDRs: ['10.96.0.0/12', 'fd00:10:96::/110'] }), 'dnsdist.conf')
    const added = [...conf.matchAll(/^mesh:add\('([^']+)'\)$/gm)].map((m) => m[1])
    expect(added[0]).toBe('cluster.local')
    expect(added.filter((z) => z!.endsWith('in-addr.arpa'))).toEqual(
      Array.from({ length: 16 }, (_, i) => `${96 + i}.10.in-addr.arpa`)
    )
    // /110 is off a nibble boundary: the four /112 zones that make it up.
    expect(added.filter((z) => z!.endsWith('ip6.arpa'))).toEqual(
      ['0', '1', '2', '3'].map((n) => `${n}.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.9.0.0.0.1.0.0.0.0.d.f.ip6.arpa`)
    )
    expect(conf).toContain("addAction(SuffixMatchNodeRule(mesh), PoolAction('mesh'))")
  })

  it('dohPath is the view URL under the base path; caStore only with a CA; no security polling', () => {
    const plain = file(generateVm(base), 'dnsdist.conf')
    expect(plain).toContain(`dohPath = '/v/${ID}/dns-query'`)
    expect(plain).not.toContain('caStore =')
    expect(plain).toContain("setSecurityPollSuffix('')")
    const out = generateVm({ ...base, resolver: 'https://dns.example.com:8443/meshdoh/', caPem: PEM })
    const conf = file(out, 'dnsdist.conf')
    expect(conf).toContain(`dohPath = '/meshdoh/v/${ID}/dns-query'`)
    expect(conf).toContain("address = '203.0.113.10:8443'")
    expect(conf).toContain("subjectName = 'dns.example.com'")
    expect(conf).toContain("caStore = '/etc/dnsdist/meshdoh-ca.pem'")
    expect(file(out, 'meshdoh-ca.pem')).toBe(PEM)
    expect(out.files.find((f) => f.name === 'dnsdist.conf')!.secret).toBe(true)
  })

  it('every variant passes dnsdist --check-config', async () => {
    requireTool('dnsdist', 'dnsdist')
    const dir = tempDir()
    // dnsdist loads the CA while it checks: a real one.
    const { ca } = await makePki(dir)
    const variants: Array<Partial<VmOptions>> = [
      {},
      { caPem: readFileSync(ca, 'utf8'), fallback: ['10.0.0.2', '[fd00::53]:5353', '192.0.2.1:5300'] },
      { resolverAddress: '2001:db8::10', resolver: 'https://[2001:db8::10]:8443', serviceCIDRs: [] },
      { clusterDomain: 'mesh.internal.', serviceCIDRs: ['172.20.0.0/16', 'fd12::/64'] },
    ]
    for (const [i, variant] of variants.entries()) {
      const path = join(dir, `dnsdist-${i}.conf`)
      // caStore's file must exist for the check; point it at the test's copy.
      writeFileSync(
        path,
        file(generateVm({ ...base, ...variant }), 'dnsdist.conf').replace('/etc/dnsdist/meshdoh-ca.pem', ca)
      )
      const check = await run('dnsdist', ['--check-config', '-C', path])
      expect(check.code, `variant ${i}:\n${check.stdout}${check.stderr}`).toBe(0)
    }
  })
})

describe('the other files', () => {
  it('a systemd drop-in ordering dnsdist before name lookups, and a README with the checks', () => {
    const out = generateVm({ ...base, caPem: PEM })
    const dropIn = out.files.find((f) => f.name === 'dnsdist-meshdoh.conf')!
    expect(dropIn.installPath).toBe('/etc/systemd/system/dnsdist.service.d/meshdoh.conf')
    expect(dropIn.content).toMatch(/\[Unit\]\nWants=nss-lookup.target\nBefore=nss-lookup.target\n/)
    const readme = file(out, 'README.md')
    expect(readme).toMatch(/^getent hosts reviews +# a short name/m)
    expect(readme).toMatch(/^getent ahosts reviews\.bookinfo\.svc\.cluster\.local +#/m)
    expect(readme).toContain('sudo install -m 0644 meshdoh-ca.pem /etc/dnsdist/meshdoh-ca.pem')
    for (const f of out.files) if (f.name !== 'dnsdist.conf') expect(f.content, f.name).not.toContain(ID)
  })
})

describe('options', () => {
  it.each([
    [{ resolver: 'http://meshdoh.example.com' }, 'https://'],
    [{ resolver: 'not a url' }, '--resolver'],
    [{ resolverAddress: 'meshdoh.example.com' }, '--resolver-address'],
    [{ namespace: 'Book_Info' }, '--namespace'],
    [{ cluster: '' }, '--cluster'],
    [{ serviceCIDRs: ['10.96.0.0/33'] }, '--service-cidr'],
    [{ fallback: [] }, '--fallback'],
    [{ fallback: ['10.0.0.2:99999'] }, '--fallback'],
    [{ extraSearch: ["evil'); os.execute('x"] }, '--search'],
    [{ caPem: 'not a certificate' }, '--ca'],
    [{ viewId: 'short' }, 'view id'],
  ] as Array<[Partial<VmOptions>, string]>)('refused: %o names %s', (change, named) => {
    expect(() => generateVm({ ...base, ...change })).toThrow(VmOptionError)
    expect(() => generateVm({ ...base, ...change })).toThrow(named)
  })

  it('host:port forms', () => {
    expect(hostPort('10.0.0.2', 53, 'x')).toBe('10.0.0.2:53')
    expect(hostPort('10.0.0.2:5353', 53, 'x')).toBe('10.0.0.2:5353')
    expect(hostPort('fd00::1', 53, 'x')).toBe('[fd00::1]:53')
    expect(hostPort('[fd00::1]:5353', 53, 'x')).toBe('[fd00::1]:5353')
  })
})

describe('the command', () => {
  const io = () => {
    const out = { stdout: '', stderr: '' }
    return {
      out,
      io: {
        stdout: { write: (t: string) => void (out.stdout += t) },
        stderr: { write: (t: string) => void (out.stderr += t) },
      },
    }
  }
  const args = ['--resolver', 'https://meshdoh.example.com', '--namespace', 'bookinfo', '--cluster', 'east-1']

  it('a view id of 192 random bits, new each time', () => {
    const ids = new Set(Array.from({ length: 100 }, randomViewId))
    expect(ids.size).toBe(100)
    for (const id of ids) expect(Buffer.from(id, 'base64url')).toHaveLength(24)
  })

  it('writes a private directory and the ConfigMap on standard output; falls back to this host’s resolvers', async () => {
    const dir = join(tempDir(), 'vm')
    const { out, io: streams } = io()
    const code = await runVm([...args, '--out', dir, '--service-cidr', '10.96.0.0/12'], {
      ...streams,
      resolvConf: 'search example.com\nnameserver 127.0.0.1\nnameserver 10.0.0.2\nnameserver fd00::53\n',
      lookup: async () => '198.51.100.7',
    })
    expect(code, out.stderr).toBe(0)
    expect(statSync(dir).mode & 0o777).toBe(0o700)
    expect(statSync(join(dir, 'dnsdist.conf')).mode & 0o777).toBe(0o600)
    const conf = readFileSync(join(dir, 'dnsdist.conf'), 'utf8')
    expect(conf).toContain("address = '198.51.100.7:443'")
    expect(conf).toContain("newServer({ address = '10.0.0.2:53', name = 'usual' })")
    expect(conf).toContain("newServer({ address = '[fd00::53]:53', name = 'usual-2' })")
    expect(conf).not.toContain("127.0.0.1:53', name")
    const id = /dohPath = '\/v\/([^/]+)\/dns-query'/.exec(conf)![1]!
    const cm = loadYaml<V1ConfigMap>(out.stdout)
    expect(cm.data!['idSha256']).toBe(createHash('sha256').update(id).digest('hex'))
    expect(out.stdout).not.toContain(id)
    expect(out.stderr).toContain('198.51.100.7')
  })

  it('--config-map writes the ConfigMap to a file; an existing directory is refused, not overwritten', async () => {
    const root = tempDir()
    const dir = join(root, 'vm')
    const cmFile = join(root, 'view.yaml')
    const first = io()
    const flags = [...args, '--resolver-address', '203.0.113.10', '--fallback', '10.0.0.2', '--out', dir]
    expect(await runVm([...flags, '--config-map', cmFile], first.io)).toBe(0)
    expect(first.out.stdout).toBe('')
    expect(loadYaml<V1ConfigMap>(readFileSync(cmFile, 'utf8')).kind).toBe('ConfigMap')
    const before = readFileSync(join(dir, 'dnsdist.conf'), 'utf8')
    const again = io()
    expect(await runVm(flags, again.io)).toBe(2)
    expect(again.out.stderr).toContain('exists and is not empty')
    expect(readFileSync(join(dir, 'dnsdist.conf'), 'utf8')).toBe(before)
  })

  it('a missing option or a bad one: status 2 and the option named', async () => {
    const missing = io()
    expect(await runVm(['--namespace', 'bookinfo'], missing.io)).toBe(2)
    expect(missing.out.stderr).toContain('--resolver is required')
    const unknown = io()
    expect(await runVm([...args, '--frobnicate'], unknown.io)).toBe(2)
    expect(unknown.out.stderr).toContain('frobnicate')
    const noFallback = io()
    expect(await runVm([...args, '--resolver-address', '203.0.113.10'], { ...noFallback.io, resolvConf: '' })).toBe(2)
    expect(noFallback.out.stderr).toContain('--fallback')
  })

  it('runs as `meshdoh vm` through the package bin, and as `npm run vm`', async () => {
    const root = tempDir()
    mkdirSync(join(root, 'npm'))
    const flags = [...args, '--resolver-address', '203.0.113.10', '--fallback', '10.0.0.2']
    const bin = await run(...binArgs('vm', ...flags, '--out', join(root, 'bin')), { timeoutMs: 30_000 })
    expect(bin.code, bin.stderr).toBe(0)
    expect(bin.stdout).toContain('kind: ConfigMap')
    expect(existsSync(join(root, 'bin', 'dnsdist.conf'))).toBe(true)
    const npm = await run('npm', ['run', '-s', 'vm', '--', ...flags, '--out', join(root, 'npm', 'vm')], {
      timeoutMs: 30_000,
    })
    expect(npm.code, npm.stderr).toBe(0)
    expect(npm.stdout).toContain('meshdoh.dev/view')
    const help = await run(...tsxArgs('src/vm/main.ts', '--help'))
    expect(help.stdout).toContain('usage: meshdoh vm')
  })
})
