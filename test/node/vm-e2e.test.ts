/**
 * A VM onboarded with `meshdoh vm`, end to end with real software, on loopback only. The test
 * runs the command, then, inside a network and mount namespace of its own (`unshare --net
 * --mount`): the generated directory bind-mounted over /etc/dnsdist and the generated
 * resolv.conf over /etc/resolv.conf, so the files run exactly as generated, at the paths they
 * are installed to; dnsdist from /etc/dnsdist/dnsdist.conf on 127.0.0.1:53; meshdoh's Node
 * server with TLS; the fake Kubernetes API of the sync tests with the real sync job; and a
 * stub as the VM's usual resolver. glibc's getent, through the search list, resolves the mesh;
 * other names reach the usual resolver. The view exists once its ConfigMap is applied to the
 * fake API and pushed, with nothing restarted; deleting it revokes it with the next push.
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ChildProcess } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { base64url, wireQuery } from '../helpers/dns.ts'
import { makePki, type Pki } from './support/pki.ts'
import { kill, killAll, requireTool, run, start, waitForLine } from './support/process.ts'
import { removeTempDirs, tempDir } from './support/temp.ts'
import { binArgs, tsxArgs } from './support/tsx.ts'

const root = process.getuid?.() === 0
const TOKEN = 'vm-e2e-push-token'
const MESHDOH = '127.0.0.1:8443'
const RESOLVER = 'https://meshdoh.example.com:8443'
const USUAL = '127.0.0.2:5300'

let dir: string
let out: string
let pki: Pki
let holder: ChildProcess
let cluster: ChildProcess
let usual: ChildProcess
let dnsdist: ChildProcess
let configMap: string
let viewId: string
const clusterLog: Array<Record<string, unknown>> = []
const usualQueries: string[] = []
let dnsdistLog = ''

/** A command inside the test's namespaces (nsenter does not fork: the PID is the command's). */
function inside(command: string, args: string[], env?: Record<string, string | undefined>): ChildProcess {
  return start('nsenter', ['-t', String(holder.pid), '-n', '-m', '--', command, ...args], env)
}

function runInside(command: string, args: string[], timeoutMs = 15_000) {
  return run('nsenter', ['-t', String(holder.pid), '-n', '-m', '--', command, ...args], { timeoutMs })
}

/** Resolves with the next "snapshot accepted" line of the sync job after `from` lines. */
async function nextPush(from: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!clusterLog.slice(from).some((l) => l['msg'] === 'snapshot accepted')) {
    if (Date.now() > deadline) throw new Error(`no push within ${timeoutMs} ms:\n${JSON.stringify(clusterLog)}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

function send(command: unknown): number {
  const at = clusterLog.length
  cluster.stdin!.write(`${JSON.stringify(command)}\n`)
  return at
}

/** The HTTP status of a DoH GET on the view URL, by curl, verified against the test CA. */
async function viewStatus(): Promise<string> {
  const dns = base64url(wireQuery('reviews.bookinfo.svc.cluster.local', 'A'))
  const url = `${RESOLVER}/v/${viewId}/dns-query?dns=${dns}`
  const args = ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', pki.ca]
  const result = await runInside('curl', [...args, '--resolve', `meshdoh.example.com:8443:127.0.0.1`, url])
  return result.stdout
}

async function getent(database: 'hosts' | 'ahosts', name: string) {
  const result = await runInside('getent', [database, name])
  return { code: result.code, lines: result.stdout.trim().split('\n').filter(Boolean) }
}

/** `getent ahosts` prints each address three times (STREAM, DGRAM, RAW): the addresses, once each, in order. */
const addresses = (lines: string[]) => [...new Set(lines.map((l) => l.split(/\s+/)[0]!))]

describe.skipIf(!root)(
  `a VM onboarded with meshdoh vm${root ? '' : ' (skipped: unshare --net --mount needs root)'}`,
  () => {
    beforeAll(async () => {
      for (const [tool, apt] of [
        ['unshare', 'util-linux'],
        ['nsenter', 'util-linux'],
        ['ip', 'iproute2'],
        ['getent', 'libc-bin'],
        ['curl', 'curl'],
        ['dnsdist', 'dnsdist'],
      ])
        requireTool(tool!, apt!)
      if (!existsSync('/etc/dnsdist')) throw new Error('/etc/dnsdist is missing: the dnsdist package makes it')
      dir = tempDir()
      pki = await makePki(dir)
      out = join(dir, 'vm')
      const cmFile = join(dir, 'view.yaml')
      // The command, as a user runs it: the package bin.
      const vm = await run(
        ...binArgs(
          'vm',
          ...['--resolver', RESOLVER, '--resolver-address', '127.0.0.1', '--namespace', 'bookinfo'],
          ...['--cluster', 'east-1', '--ca', pki.ca, '--fallback', USUAL, '--name', 'web-1'],
          ...['--service-cidr', '10.96.0.0/12', '--service-cidr', 'fd00:10:96::/112'],
          ...['--out', out, '--config-map', cmFile]
        ),
        { timeoutMs: 20_000 }
      )
      expect(vm.code, vm.stderr).toBe(0)
      configMap = readFileSync(cmFile, 'utf8')
      viewId = /dohPath = '\/v\/([A-Za-z0-9_-]+)\/dns-query'/.exec(readFileSync(join(out, 'dnsdist.conf'), 'utf8'))![1]!

      // The namespaces, held by a process that only sleeps; everything else enters them.
      holder = start('unshare', [
        '--net',
        '--mount',
        '--propagation',
        'private',
        'sh',
        '-c',
        `ip link set lo up && mount --bind '${out}' /etc/dnsdist && ` +
          `mount --bind '${join(out, 'resolv.conf')}' /etc/resolv.conf && echo ready && exec sleep 120`,
      ])
      await waitForLine(holder, /^ready$/, 5000)

      usual = inside(...tsxArgs('test/node/support/stub-dns.ts', ...USUAL.split(':')))
      usual.stdout!.on('data', (d: Buffer) => usualQueries.push(...String(d).trim().split('\n')))
      const server = inside(...tsxArgs('src/runtime/node.ts'), {
        ...process.env,
        MESHDOH_LISTEN: MESHDOH,
        MESHDOH_TLS_CERT: pki.cert,
        MESHDOH_TLS_KEY: pki.key,
        MESHDOH_DATA_DIR: join(dir, 'data'),
        MESHDOH_PUSH_TOKENS: `east-1=${TOKEN}`,
        MESHDOH_ANONYMOUS: 'false',
        MESHDOH_LOG_LEVEL: 'info',
      })
      await Promise.all([waitForLine(usual, /^listening$/, 15_000), waitForLine(server, /"msg":"listening"/, 15_000)])

      cluster = inside(
        ...tsxArgs('test/node/support/vm-cluster.ts', `https://${MESHDOH}`, '--service-cidr', '10.96.0.0/12'),
        {
          ...process.env,
          MESHDOH_SYNC_TOKEN: TOKEN,
          NODE_EXTRA_CA_CERTS: pki.ca,
        }
      )
      let pending = ''
      cluster.stdout!.on('data', (d: Buffer) => {
        pending += d
        const lines = pending.split('\n')
        pending = lines.pop()!
        for (const line of lines) clusterLog.push(JSON.parse(line) as Record<string, unknown>)
      })
      await nextPush(0, 20_000)

      // dnsdist from the generated file where it is installed, before the view exists.
      dnsdist = inside('dnsdist', ['--supervised', '--disable-syslog', '-C', '/etc/dnsdist/dnsdist.conf'])
      for (const stream of [dnsdist.stdout!, dnsdist.stderr!]) stream.on('data', (d: Buffer) => (dnsdistLog += d))
      await waitForLine(dnsdist, /Listening on 127\.0\.0\.1:53/, 10_000)
    }, 50_000)

    afterAll(async () => {
      cluster?.stdin?.end()
      for (const child of [dnsdist, cluster, usual, holder]) if (child) kill(child)
      killAll()
      removeTempDirs()
    })

    it('the ConfigMap holds the digest of the view id only; before it is applied the view URL is 404', async () => {
      expect(configMap).toContain(createHash('sha256').update(viewId).digest('hex'))
      expect(configMap).not.toContain(viewId)
      expect(await viewStatus()).toBe('404')
    })

    it('applying the ConfigMap adds the VM with the next push: dnsdist marks meshdoh up, nothing restarted', async () => {
      const from = send({ apply: configMap })
      await nextPush(from)
      expect(await viewStatus()).toBe('200')
      await waitForLine(dnsdist, /Marking downstream meshdoh \(127\.0\.0\.1:8443\) as 'up'/, 10_000).catch(() => {
        if (!/Marking downstream meshdoh \(127\.0\.0\.1:8443\) as 'up'/.test(dnsdistLog)) throw new Error(dnsdistLog)
      })
    }, 20_000)

    it('getent hosts and ahosts: a short name through the search list', async () => {
      const hosts = await getent('hosts', 'reviews')
      expect(hosts).toEqual({ code: 0, lines: ['fd00:10:96::7   reviews.bookinfo.svc.cluster.local'] })
      const ahosts = await getent('ahosts', 'reviews')
      expect(ahosts.code).toBe(0)
      // In the order RFC 6724 sorts them on this host (with loopback only, IPv6 may come first).
      expect(addresses(ahosts.lines).sort()).toEqual(['10.96.0.7', 'fd00:10:96::7'])
      expect(ahosts.lines[0]).toMatch(/^\S+\s+STREAM reviews\.bookinfo\.svc\.cluster\.local$/)
      // A short name with a dot (`ratings.bookinfo`): tried as it is (the usual resolver says
      // NXDOMAIN), then through the search list, where the view's search-domain shortcut (R16) answers.
      const dotted = await getent('hosts', 'ratings.bookinfo')
      expect(dotted.lines).toHaveLength(1)
      expect(dotted.lines[0]).toMatch(/^10\.96\.0\.8\s/)
    })

    it('getent: a full ClusterIP name, a headless pod name, a ServiceEntry host', async () => {
      expect(await getent('hosts', 'ratings.bookinfo.svc.cluster.local')).toEqual({
        code: 0,
        lines: ['10.96.0.8       ratings.bookinfo.svc.cluster.local'],
      })
      expect(addresses((await getent('ahosts', 'db-0.db.bookinfo.svc.cluster.local')).lines)).toEqual(['10.244.1.9'])
      expect(addresses((await getent('ahosts', 'db.bookinfo.svc.cluster.local')).lines).sort()).toEqual([
        '10.244.1.10',
        '10.244.1.9',
      ])
      expect((await getent('hosts', 'legacy.bookinfo.svc.cluster.local')).lines).toEqual([
        '240.240.0.5     legacy.bookinfo.svc.cluster.local',
      ])
      expect(addresses((await getent('ahosts', 'legacy')).lines)).toEqual(['240.240.0.5'])
    })

    it('a name outside the mesh falls through to the usual resolver; mesh names never reach it', async () => {
      const hosts = await getent('ahosts', 'www.example.org')
      expect(addresses(hosts.lines).sort()).toEqual(['192.0.2.53', '2001:db8::53'])
      expect(usualQueries).toContain('www.example.org A')
      expect(usualQueries.filter((q) => /cluster\.local|in-addr|ip6\.arpa/.test(q))).toEqual([])
      // NXDOMAIN from the usual resolver: getent says "not found" (status 2).
      expect((await getent('hosts', 'nowhere.invalid')).code).toBe(2)
    })

    it('PTR of a ClusterIP through dnsdist reaches meshdoh (the service CIDR reverse zone)', async () => {
      const dig = await runInside('dig', ['@127.0.0.1', '+short', '+tries=1', '+timeout=3', '-x', '10.96.0.8'])
      expect(dig.stdout.trim()).toBe('ratings.bookinfo.svc.cluster.local.')
    })

    it('deleting the ConfigMap revokes the VM with the next push: the view URL answers 404', async () => {
      const from = send({ delete: { plural: 'configmaps', namespace: 'bookinfo', name: 'meshdoh-view-web-1' } })
      await nextPush(from)
      expect(await viewStatus()).toBe('404')
      // A name not cached by dnsdist gets no answer from the mesh any more.
      const dig = await runInside('dig', ['@127.0.0.1', '+tries=1', '+timeout=2', 'db-1.db.bookinfo.svc.cluster.local'])
      expect(dig.stdout).not.toMatch(/status: NOERROR/)
    }, 20_000)
  }
)
