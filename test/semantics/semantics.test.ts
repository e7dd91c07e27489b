/**
 * Runs every semantics case through the real DoH endpoint inside workerd: the case's
 * snapshots are pushed (once per distinct set), the question goes out as a wire query by GET
 * at the case's view path, and the decoded response is compared section by section.
 */
import { SELF } from 'cloudflare:test'
import { Buffer } from 'node:buffer'
import * as packet from 'dns-packet'
import { beforeAll, describe, expect, it } from 'vitest'
import { base64url, decode, rcodeOf, wireQuery, zoneLines } from '../helpers/dns.ts'
import { BASE, clear, push } from '../helpers/worker.ts'
import { aliasCases } from './aliases.cases.ts'
import { anyCases } from './any.cases.ts'
import { apexCases } from './apex.cases.ts'
import { FIXTURES, type Case } from './case.ts'
import { dualStackCases } from './dual-stack.cases.ts'
import { externalCases } from './external.cases.ts'
import { forwardCases } from './forward.cases.ts'
import { headlessCases } from './headless.cases.ts'
import { multiclusterCases } from './multicluster.cases.ts'
import { ptrCases } from './ptr.cases.ts'
import { searchCases } from './search.cases.ts'
import { serviceEntryCases } from './service-entries.cases.ts'
import { srvCases } from './srv.cases.ts'
import { ttlCases } from './ttl.cases.ts'
import { visibilityCases } from './visibility.cases.ts'
import { wildcardCases } from './wildcards.cases.ts'

const TABLES: Record<string, Case[]> = {
  forward: forwardCases,
  headless: headlessCases,
  external: externalCases,
  srv: srvCases,
  ptr: ptrCases,
  'apex, negative, txt': apexCases,
  'any, odd messages': anyCases,
  'dual-stack': dualStackCases,
  'service entries': serviceEntryCases,
  wildcards: wildcardCases,
  aliases: aliasCases,
  search: searchCases,
  multicluster: multiclusterCases,
  visibility: visibilityCases,
  ttl: ttlCases,
}

/** The query bytes of a case: dns-packet's encoding, with the header bent for R11.2 cases. */
function queryBytes(c: Case): Uint8Array {
  if (c.qdcount === 2) {
    const question = { name: c.qname, type: c.qtype as packet.RecordType, class: 'IN' as packet.RecordClass }
    return packet.encode({ type: 'query', id: 7, flags: packet.RECURSION_DESIRED, questions: [question, question] })
  }
  const bytes = Buffer.from(wireQuery(c.qname, c.qtype, { qclass: c.qclass }))
  if (c.opcode !== undefined) bytes[2] = (bytes[2]! & 0x87) | (c.opcode << 3)
  if (c.qdcount === 0) {
    bytes.writeUInt16BE(0, 4)
    return bytes.subarray(0, 12)
  }
  return bytes
}

function sorted(lines: readonly string[]): string[] {
  return [...lines].sort()
}

async function run(c: Case): Promise<void> {
  const path = c.view === undefined ? '/dns-query' : `/v/${c.view}/dns-query`
  const response = await SELF.fetch(`${BASE}${path}?dns=${base64url(queryBytes(c))}`)
  expect(response.status).toBe(200)
  const message = decode(new Uint8Array(await response.arrayBuffer()))
  const aa = c.aa ?? (c.rcode === 'NOERROR' || c.rcode === 'NXDOMAIN')
  const answer = zoneLines(message.answers)
  expect({
    rcode: rcodeOf(message),
    aa: message.flag_aa,
    // R19.3: no recursion offered, never truncated.
    ra: message.flag_ra,
    tc: message.flag_tc,
    answer: sorted(answer),
    authority: sorted(zoneLines(message.authorities)),
    additional: sorted(zoneLines(message.additionals)),
  }).toEqual({
    rcode: c.rcode,
    aa,
    ra: false,
    tc: false,
    answer: sorted(c.answer),
    authority: sorted(c.authority ?? []),
    additional: sorted(c.additional ?? []),
  })
  // R19.3: records may be shuffled, but a CNAME chain comes first and in order.
  const cnames = (lines: string[]) => lines.filter((l) => / IN CNAME /.test(l))
  expect(answer.slice(0, cnames(answer).length)).toEqual(cnames(c.answer))
  // R1.3: the question comes back with the asker's exact spelling.
  if (c.qdcount === undefined) expect(message.questions?.[0]?.name).toBe(c.qname)
}

function fixtureKey(c: Case): string {
  return [...c.fixtures].sort().join('+')
}

for (const [table, cases] of Object.entries(TABLES)) {
  describe(table, () => {
    const groups = new Map<string, Case[]>()
    for (const c of cases) {
      const key = fixtureKey(c)
      const group = groups.get(key)
      if (group === undefined) groups.set(key, [c])
      else group.push(c)
    }
    for (const [key, group] of groups) {
      describe(`holding ${key === '' ? 'no snapshot' : key}`, () => {
        beforeAll(async () => {
          await clear()
          for (const id of group[0]!.fixtures) {
            const pushed = await push(FIXTURES[id] as Record<string, unknown>)
            if (pushed.status !== 200) throw new Error(`fixture ${id}: ${pushed.status} ${await pushed.text()}`)
          }
        })
        for (const c of group) {
          const where = c.view === undefined ? '' : ` [${c.view}]`
          it(`${c.rule} ${c.name}: ${c.qname} ${c.qtype}${where}`, () => run(c))
        }
      })
    }
  })
}
