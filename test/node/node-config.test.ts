import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  loadNodeConfig,
  parseArgs,
  parseListen,
  parseNodeConfig,
  readConfigFile,
} from '../../src/runtime/node-config.ts'
import { SettingsError } from '../../src/runtime/settings.ts'
import { removeTempDirs, tempDir } from './support/temp.ts'

afterAll(removeTempDirs)

describe('MESHDOH_LISTEN', () => {
  it.each([
    ['127.0.0.1:8053', { host: '127.0.0.1', port: 8053 }],
    ['[::1]:443', { host: '::1', port: 443 }],
    [':8053', { host: '0.0.0.0', port: 8053 }],
    ['localhost:0', { host: 'localhost', port: 0 }],
  ])('success: %s', (text, expected) => expect(parseListen(text)).toEqual(expected))

  it.each(['8053', '::1:443', 'host:99999', 'host:'])('fails: %s', (text) =>
    expect(() => parseListen(text)).toThrow(SettingsError)
  )
})

describe('Node configuration', () => {
  it('defaults: loopback 8053, ./data, cleartext, info logs, 10 s drain', () => {
    const config = parseNodeConfig({})
    expect(config).toMatchObject({
      listen: { host: '127.0.0.1', port: 8053 },
      dataDir: './data',
      tls: undefined,
      logLevel: 'info',
      drainMs: 10_000,
      keepLastPush: true,
    })
    expect(config.settings.anonymous).toBe(true)
  })

  it('fails: a certificate without its key, an unknown log level, a negative drain', () => {
    expect(() => parseNodeConfig({ MESHDOH_TLS_CERT: '/etc/meshdoh/tls.crt' })).toThrow(/go together/)
    expect(() => parseNodeConfig({ MESHDOH_LOG_LEVEL: 'verbose' })).toThrow(/MESHDOH_LOG_LEVEL/)
    expect(() => parseNodeConfig({ MESHDOH_DRAIN_SECONDS: '-1' })).toThrow(/MESHDOH_DRAIN_SECONDS/)
    expect(() => parseNodeConfig({ MESHDOH_KEEP_LAST_PUSH: 'sometimes' })).toThrow(/MESHDOH_KEEP_LAST_PUSH/)
    expect(parseNodeConfig({ MESHDOH_KEEP_LAST_PUSH: 'false' }).keepLastPush).toBe(false)
  })

  it('config file: JSON values become the text the environment would hold; the environment wins', () => {
    const file = join(tempDir(), 'meshdoh.json')
    writeFileSync(
      file,
      JSON.stringify({
        MESHDOH_VIEWS: { 'vm-a': { namespace: 'bookinfo' } },
        MESHDOH_ANONYMOUS: false,
        MESHDOH_DATA_DIR: '/var/lib/meshdoh',
        MESHDOH_UPSTREAM: null,
      })
    )
    expect(readConfigFile(file)).toEqual({
      MESHDOH_VIEWS: '{"vm-a":{"namespace":"bookinfo"}}',
      MESHDOH_ANONYMOUS: 'false',
      MESHDOH_DATA_DIR: '/var/lib/meshdoh',
    })
    const config = loadNodeConfig(['--config', file], { MESHDOH_DATA_DIR: '/srv/meshdoh', HOME: '/root' })
    expect(config).not.toBe('help')
    if (config === 'help') return
    expect(config.dataDir).toBe('/srv/meshdoh')
    expect(config.settings.anonymous).toBe(false)
    expect(config.settings.views.get('vm-a')?.namespace).toBe('bookinfo')
  })

  it('fails: a config file key that is not a setting, or a file that is not an object', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'typo.json'), '{"LISTEN": "127.0.0.1:53"}')
    writeFileSync(join(dir, 'list.json'), '[]')
    expect(() => readConfigFile(join(dir, 'typo.json'))).toThrow(/unknown key "LISTEN"/)
    expect(() => readConfigFile(join(dir, 'list.json'))).toThrow(/not a JSON object/)
    expect(() => readConfigFile(join(dir, 'missing.json'))).toThrow(SettingsError)
  })

  it('arguments: --config path, --config=path, --help; anything else fails', () => {
    expect(parseArgs(['--config', 'a.json'])).toEqual({ config: 'a.json', help: false })
    expect(parseArgs(['--config=b.json'])).toEqual({ config: 'b.json', help: false })
    expect(parseArgs(['--help']).help).toBe(true)
    expect(() => parseArgs(['--port', '53'])).toThrow(/unknown argument/)
  })
})
