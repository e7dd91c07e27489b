/**
 * Times DNS queries over UDP, one at a time, for the VM end-to-end test, run inside the test's
 * network namespace: `dns-timer.ts ADDRESS PORT NAME...`. Prints one JSON object: each query's
 * round trip in milliseconds (performance.now(), not dig's whole-millisecond clock) and rcode.
 */
import { Buffer } from 'node:buffer'
import { createSocket } from 'node:dgram'
import * as packet from 'dns-packet'

const [address = '127.0.0.1', port = '53', ...names] = process.argv.slice(2)
const socket = createSocket(address.includes(':') ? 'udp6' : 'udp4')
const results: Array<{ name: string; ms: number; rcode: string }> = []
for (const [i, name] of names.entries()) {
  const query = packet.encode({
    type: 'query',
    id: i + 1,
    flags: packet.RECURSION_DESIRED,
    questions: [{ name, type: 'A' }],
  })
  const started = performance.now()
  const reply = await new Promise<Buffer>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer for ${name} in 3 s`)), 3000)
    socket.once('message', (message) => {
      clearTimeout(timer)
      resolve(message)
    })
    socket.send(Buffer.from(query), Number(port), address)
  })
  const ms = performance.now() - started
  results.push({
    name,
    ms: Math.round(ms * 100) / 100,
    rcode: (packet.decode(reply) as { rcode?: string }).rcode ?? '',
  })
}
socket.close()
process.stdout.write(`${JSON.stringify(results)}\n`)
