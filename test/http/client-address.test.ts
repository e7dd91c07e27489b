import { describe, expect, it } from 'vitest'
import { clientAddress, parseTrustedProxies, type TrustedProxies } from '../../src/http/client-address.ts'

const proxies = parseTrustedProxies('10.0.0.0/8, fd00::/8, 192.0.2.7') as TrustedProxies

describe('the client address behind trusted proxies', () => {
  it('success: an untrusted peer is the client, whatever its headers claim', () => {
    expect(clientAddress('198.51.100.9', { xForwardedFor: '203.0.113.1' }, proxies)).toBe('198.51.100.9')
    expect(clientAddress('198.51.100.9', { forwarded: 'for=203.0.113.1' }, proxies)).toBe('198.51.100.9')
    expect(clientAddress('10.1.2.3', { xForwardedFor: '203.0.113.1' }, [])).toBe('10.1.2.3')
  })

  it('success: through a trusted peer, the rightmost hop that is not a trusted proxy', () => {
    // The client forged "1.1.1.1" in front of its own address; the proxies appended the rest.
    expect(clientAddress('10.0.0.5', { xForwardedFor: '1.1.1.1, 203.0.113.1, 10.0.0.9' }, proxies)).toBe('203.0.113.1')
    expect(clientAddress('192.0.2.7', { xForwardedFor: '203.0.113.1' }, proxies)).toBe('203.0.113.1')
    expect(clientAddress('::ffff:10.0.0.5', { xForwardedFor: '203.0.113.1' }, proxies)).toBe('203.0.113.1')
  })

  it('success: Forwarded (RFC 7239) wins over X-Forwarded-For; ports, quotes and brackets are dropped', () => {
    const forwarded = 'for=1.1.1.1;proto=https, for="[2001:db8::1]:4711";by=10.0.0.1, for=10.0.0.8'
    expect(clientAddress('fd00::1', { forwarded, xForwardedFor: '9.9.9.9' }, proxies)).toBe('2001:db8::1')
    expect(clientAddress('10.0.0.5', { forwarded: 'for=203.0.113.1:8443' }, proxies)).toBe('203.0.113.1')
  })

  it('success: every hop trusted: the leftmost; no header at all: the proxy itself', () => {
    expect(clientAddress('10.0.0.5', { xForwardedFor: '10.0.0.1, 10.0.0.2' }, proxies)).toBe('10.0.0.1')
    expect(clientAddress('10.0.0.5', {}, proxies)).toBe('10.0.0.5')
  })

  it('success: an obfuscated or unknown hop stands for the client', () => {
    expect(clientAddress('10.0.0.5', { forwarded: 'for=_hidden, for=10.0.0.2' }, proxies)).toBe('_hidden')
    expect(clientAddress('10.0.0.5', { xForwardedFor: 'unknown' }, proxies)).toBe('unknown')
  })

  it('refused: a setting that is not a list of CIDRs names the bad entry', () => {
    expect(parseTrustedProxies('10.0.0.0/8, proxy.internal')).toBe('"proxy.internal" is not an address or CIDR')
    expect(parseTrustedProxies('10.0.0.0/33')).toBe('"10.0.0.0/33" is not an address or CIDR')
    expect(parseTrustedProxies('')).toEqual([])
  })
})
