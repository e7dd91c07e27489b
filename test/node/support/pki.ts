/**
 * A throw-away CA and server certificates for 127.0.0.1, ::1, localhost and meshdoh.example.com, made with the
 * openssl CLI in a temp dir, so every TLS client verifies the server for real.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { requireTool, run } from './process.ts'

export interface Pki {
  dir: string
  /** The CA certificate (PEM): what clients trust. */
  ca: string
  cert: string
  key: string
}

async function openssl(args: string[]): Promise<void> {
  const result = await run('openssl', args, { timeoutMs: 15_000 })
  if (result.code !== 0) throw new Error(`openssl ${args.join(' ')} failed:\n${result.stderr}`)
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']

export async function makePki(dir: string): Promise<Pki> {
  requireTool('openssl', 'openssl')
  const ca = join(dir, 'ca.pem')
  await openssl([
    'req',
    '-x509',
    ...EC,
    '-keyout',
    join(dir, 'ca.key'),
    '-out',
    ca,
    '-days',
    '2',
    '-subj',
    '/CN=meshdoh test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ])
  const { cert, key } = await issueCert(dir, 'server', 1)
  return { dir, ca, cert, key }
}

/** A server certificate signed by the CA in `dir`, with the given serial (tests tell certificates apart by it). */
export async function issueCert(dir: string, name: string, serial: number): Promise<{ cert: string; key: string }> {
  const key = join(dir, `${name}.key`)
  const csr = join(dir, `${name}.csr`)
  const cert = join(dir, `${name}.pem`)
  const ext = join(dir, `${name}.ext`)
  writeFileSync(
    ext,
    [
      // meshdoh.example.com: the name deploy/vm/dnsdist.conf expects, so that it runs unchanged.
      'subjectAltName=DNS:localhost,DNS:meshdoh.example.com,IP:127.0.0.1,IP:::1',
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth',
    ].join('\n')
  )
  await openssl(['req', ...EC, '-keyout', key, '-out', csr, '-subj', `/CN=${name}`])
  await openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    join(dir, 'ca.pem'),
    '-CAkey',
    join(dir, 'ca.key'),
    '-set_serial',
    String(serial),
    '-days',
    '2',
    '-out',
    cert,
    '-extfile',
    ext,
  ])
  return { cert, key }
}
