/**
 * The VM's usual resolver for the end-to-end test, run as a process of its own inside the
 * test's network namespace: `stub-dns.ts ADDRESS PORT`. Answers A queries for names under
 * example.org with 192.0.2.53 and AAAA with 2001:db8::53, everything else NXDOMAIN, over UDP;
 * prints "listening" when bound and one line per query ("name TYPE"), so the test sees what
 * reached it.
 */
import { Buffer } from 'node:buffer'
import { createSocket } from 'node:dgram'
import * as packet from 'dns-packet'

const [address = '127.0.0.2', port = '5300'] = process.argv.slice(2)
const socket = createSocket(address.includes(':') ? 'udp6' : 'udp4')
socket.on('message', (message, peer) => {
  let query: packet.DecodedPacket
  try {
    query = packet.decode(message)
  } catch {
    return
  }
  const question = query.questions?.[0]
  if (question === undefined) return
  process.stdout.write(`${question.name} ${question.type}\n`)
  const ours = /(^|\.)example\.org$/i.test(question.name)
  const answers: packet.Answer[] = []
  if (ours && question.type === 'A') answers.push({ name: question.name, type: 'A', ttl: 60, data: '192.0.2.53' })
  if (ours && question.type === 'AAAA')
    answers.push({ name: question.name, type: 'AAAA', ttl: 60, data: '2001:db8::53' })
  const reply = packet.encode({
    type: 'response',
    id: query.id,
    flags: packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE | (ours ? 0 : 3),
    questions: query.questions,
    answers,
  })
  socket.send(Buffer.from(reply), peer.port, peer.address)
})
socket.bind(Number(port), address, () => process.stdout.write('listening\n'))
