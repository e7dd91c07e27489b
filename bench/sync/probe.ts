/** Polls meshdoh over DoH (HTTP/1.1 keep-alive, cleartext) until a name answers an address. */
import http from 'node:http'
import { dohPath } from '../query.ts'

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })

function ask(port: number, name: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: dohPath(name), agent, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve(Buffer.concat(chunks)))
    })
    req.on('error', reject)
    req.on('timeout', () => req.destroy(new Error('DoH query timed out')))
  })
}

/** The first moment (Date.now()) the A answer of `name` contains `ip`, polling every `everyMs`. */
export async function answeredAt(
  port: number,
  name: string,
  ip: string,
  timeoutMs: number,
  everyMs = 5
): Promise<number> {
  const needle = Buffer.from(ip.split('.').map(Number))
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const reply = await ask(port, name)
    const at = Date.now()
    if ((reply[3]! & 0xf) === 0 && reply.includes(needle)) return at
    if (at > deadline) throw new Error(`${name} did not answer ${ip} within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

export function closeProbe(): void {
  agent.destroy()
}
