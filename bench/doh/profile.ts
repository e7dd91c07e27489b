/** Where a server's CPU time went: a V8 .cpuprofile (node --cpu-prof) summed by self time. */
import { readFileSync } from 'node:fs'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
}
interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
  startTime: number
  endTime: number
}

/** The part of the profile to keep: `seconds` ending `beforeEndMs` before the profile ends. */
export interface ProfileWindow {
  seconds: number
  beforeEndMs: number
}

export interface ProfileSummary {
  /** Share of busy (non-idle) samples per area of the code. */
  areas: Array<[string, number]>
  /** The functions with the most self time, share of busy samples. */
  functions: Array<[string, number]>
}

/** The area a function belongs to, from its script URL. */
function areaOf(url: string, name: string): string {
  if (name === '(garbage collector)') return 'garbage collection'
  if (name === '(program)' || name === '(root)') return 'V8 / native (program)'
  const areas: Array<[RegExp, string]> = [
    [/\/src\/dns\//, 'meshdoh src/dns (wire, answers)'],
    [/\/src\/registry\//, 'meshdoh src/registry (lookup)'],
    [/\/src\/http\//, 'meshdoh src/http (routes, resolver)'],
    [/\/src\/runtime\//, 'meshdoh src/runtime (Node server, metrics)'],
    [/node_modules\/dns-packet|ip-codec/, 'dns-packet'],
    [/node_modules\/@hono\/node-server/, '@hono/node-server (Request/Response bridging)'],
    [/node_modules\/hono\//, 'hono (routing, context)'],
    [/node_modules\/prom-client/, 'prom-client (metrics)'],
    [/node_modules\/pino/, 'pino'],
    [/node:internal\/http2|node:http2/, 'node:http2 (core and compat request/response)'],
    [
      /node:events|node:internal\/process\/task_queues|node:internal\/timers/,
      'Node event loop (events, nextTick, timers)',
    ],
    [/node:internal\/(deps\/undici|webstreams)|undici/, 'web Request/Response/streams (undici)'],
    [/node:internal\/(tls|crypto|stream_base|net)|node:net|node:tls/, 'TLS and sockets'],
    [/node:internal\/streams/, 'Node streams (under the http2 compat API)'],
    [/^node:/, 'other Node internals'],
  ]
  for (const [pattern, area] of areas) if (pattern.test(url)) return area
  return url === '' ? 'V8 / native (builtins)' : 'other'
}

export function summarizeProfile(path: string, window: ProfileWindow, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const areas = new Map<string, number>()
  const functions = new Map<string, number>()
  const to = profile.endTime - window.beforeEndMs * 1000
  const from = to - window.seconds * 1e6
  let busy = 0
  let t = profile.startTime
  for (const [i, id] of profile.samples.entries()) {
    t += profile.timeDeltas[i] ?? 0
    if (t < from || t > to) continue
    const node = byId.get(id)
    if (node === undefined || node.callFrame.functionName === '(idle)') continue
    busy++
    const { functionName, url, lineNumber } = node.callFrame
    const area = areaOf(url, functionName)
    areas.set(area, (areas.get(area) ?? 0) + 1)
    // tsx serves src/ transpiled, so line numbers there are not the source's: name and file only.
    const file = url.replace(/^file:\/\/.*?\/(node_modules|src)\//, '$1/')
    const line = url.startsWith('node:') ? `:${lineNumber + 1}` : ''
    const key = `${functionName || '(anonymous)'} ${file}${line}`.trim()
    functions.set(key, (functions.get(key) ?? 0) + 1)
  }
  const ranked = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => [k, v / busy] as [string, number])
  return { areas: ranked(areas, 20), functions: ranked(functions, top) }
}
