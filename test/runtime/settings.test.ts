import { describe, expect, it } from 'vitest'
import { parseSettings } from '../../src/runtime/settings.ts'

const views = (value: unknown) => () => parseSettings({ MESHDOH_VIEWS: JSON.stringify(value) })

describe('MESHDOH_VIEWS is parsed strictly: a resolver with a typo in its views must not start', () => {
  it('refused: an unknown key, named', () => {
    expect(views({ v1: { namepsace: 'bookinfo' } })).toThrow('MESHDOH_VIEWS: v1: Unrecognized key: "namepsace"')
  })

  it('refused: a cluster or namespace that is not a DNS label, a search entry that is not a name', () => {
    expect(views({ v1: { cluster: 'East_1' } })).toThrow(/MESHDOH_VIEWS: v1\.cluster: must be a DNS label/)
    expect(views({ v1: { namespace: 'Book Info' } })).toThrow(/v1\.namespace/)
    expect(views({ v1: { search: ['bookinfo..svc'] } })).toThrow(/v1\.search\.0: must be a DNS name/)
    expect(views({ v1: { autoAllocatedVIPs: 'yes' } })).toThrow(/v1\.autoAllocatedVIPs/)
  })

  it('success: a well-formed view, normalised', () => {
    const settings = parseSettings({
      MESHDOH_VIEWS: JSON.stringify({
        v1: { namespace: 'bookinfo', cluster: 'east-1', search: ['Bookinfo.svc.cluster.local.'] },
      }),
    })
    expect(settings.views.get('v1')).toMatchObject({
      namespace: 'bookinfo',
      cluster: 'east-1',
      search: ['bookinfo.svc.cluster.local'],
    })
  })
})
