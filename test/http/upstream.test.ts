/** MESHDOH_UPSTREAM (docs/views.md), against a local upstream: another resolver answering over DoH. */
import { describe, expect, it } from 'vitest'
import { dohUpstream } from '../../src/http/upstream.ts'
import { base64url, decode, rcodeOf, wireQuery, zoneLines } from '../helpers/dns.ts'
import { bookinfoSnapshot } from '../helpers/fixtures.ts'
import { localApp } from '../helpers/app.ts'

const corp = {
  apiVersion: 'meshdoh/v1',
  kind: 'RegistrySnapshot',
  cluster: 'corp',
  revision: 1,
  generatedAt: '2026-11-24T19:00:00Z',
  clusterDomain: 'corp.internal',
  ttl: 120,
  serviceEntries: [
    {
      name: 'legacy',
      namespace: 'corp',
      hosts: ['legacy.corp.example.com', 'www.example.org'],
      addresses: ['192.0.2.10'],
    },
  ],
}

async function withUpstream(reachable = true) {
  const upstream = localApp()
  expect((await upstream.push(corp)).status).toBe(200)
  const resolver = localApp(
    {},
    {
      upstream: dohUpstream({
        url: 'https://upstream.test/dns-query',
        fetch: async (request) => {
          if (!reachable) throw new TypeError('connection refused')
          return upstream.app.fetch(request)
        },
      }),
    }
  )
  expect((await resolver.push(bookinfoSnapshot())).status).toBe(200)
  const ask = async (name: string, type: string, id = 99) => {
    const response = await resolver.app.request(`/dns-query?dns=${base64url(wireQuery(name, type, { id }))}`)
    return { response, message: decode(await response.arrayBuffer()) }
  }
  return { resolver, ask }
}

describe('with an upstream', () => {
  it('forwards a name meshdoh does not own, answering with the client ID', async () => {
    const { ask } = await withUpstream()
    const { message } = await ask('www.example.org', 'A', 1234)
    expect(message.id).toBe(1234)
    expect(rcodeOf(message)).toBe('NOERROR')
    expect(zoneLines(message.answers)).toEqual(['www.example.org. 120 IN A 192.0.2.10'])
  })

  it('passes the upstream negative answer through', async () => {
    const { ask } = await withUpstream()
    const { message } = await ask('nothing.example.net', 'A')
    expect(rcodeOf(message)).toBe('REFUSED')
  })

  it('chases an ExternalName target outside owned names, so a non-chasing stub gets the address (R5.2)', async () => {
    const { ask } = await withUpstream()
    const { message } = await ask('legacy.bookinfo.svc.cluster.local', 'A')
    expect(rcodeOf(message)).toBe('NOERROR')
    expect(zoneLines(message.answers)).toEqual([
      'legacy.bookinfo.svc.cluster.local. 30 IN CNAME legacy.corp.example.com.',
      'legacy.corp.example.com. 120 IN A 192.0.2.10',
    ])
  })

  it('answers JSON from the upstream too', async () => {
    const { resolver } = await withUpstream()
    const body = (await (await resolver.app.request('/resolve?name=www.example.org')).json()) as { Answer: unknown[] }
    expect(body.Answer).toEqual([{ name: 'www.example.org.', type: 1, TTL: 120, data: '192.0.2.10' }])
  })

  it('servfail when the upstream is unreachable; an owned CNAME is still answered', async () => {
    const { ask } = await withUpstream(false)
    expect(rcodeOf((await ask('www.example.org', 'A')).message)).toBe('SERVFAIL')
    const chased = await ask('legacy.bookinfo.svc.cluster.local', 'A')
    expect(rcodeOf(chased.message)).toBe('NOERROR')
    expect(zoneLines(chased.message.answers)).toEqual([
      'legacy.bookinfo.svc.cluster.local. 30 IN CNAME legacy.corp.example.com.',
    ])
  })
})

describe('without an upstream', () => {
  it('refuses names it does not own and answers a CNAME alone (R2.5, R5.2)', async () => {
    const resolver = localApp()
    expect((await resolver.push(bookinfoSnapshot())).status).toBe(200)
    const refused = decode(
      await (await resolver.app.request(`/dns-query?dns=${base64url(wireQuery('www.example.org', 'A'))}`)).arrayBuffer()
    )
    expect(rcodeOf(refused)).toBe('REFUSED')
  })
})
