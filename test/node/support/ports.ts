/** A loopback port free for both TCP and UDP, for a child (dnsdist) that cannot bind port 0 and report it. */
import dgram from 'node:dgram'
import net from 'node:net'

export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const tcp = net.createServer()
    const port = await new Promise<number>((resolve, reject) => {
      tcp.once('error', reject)
      tcp.listen(0, host, () => resolve((tcp.address() as net.AddressInfo).port))
    })
    const udp = dgram.createSocket('udp4')
    const udpFree = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(false))
      udp.bind(port, host, () => resolve(true))
    })
    await new Promise((resolve) => tcp.close(resolve))
    if (udpFree) {
      await new Promise<void>((resolve) => udp.close(() => resolve()))
      return port
    }
    udp.close()
  }
  throw new Error('no free TCP+UDP port on loopback')
}
