/** A throw-away certificate for 127.0.0.1, made with openssl in the part's temporary directory. */
import { join } from 'node:path'
import { run } from '../proc.ts'

export interface TlsPair {
  cert: string
  key: string
}

export async function makeCertificate(dir: string): Promise<TlsPair> {
  const pair = { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') }
  const out = await run(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      pair.key,
      '-out',
      pair.cert,
    ],
    { timeoutMs: 20_000 }
  )
  if (out.code !== 0) throw new Error(`openssl failed: ${out.stderr}`)
  return pair
}
