/**
 * The registry snapshot, format v1: the one contract between the sync job and the resolver
 * (docs/snapshot-format.md). Types are inferred from this schema; `npm run schema` publishes it
 * as JSON Schema in `schema/snapshot-v1.schema.json`.
 */
import { z } from 'zod'

export const API_VERSION = 'meshdoh/v1'
export const KIND = 'RegistrySnapshot'

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/
// A DNS name in text: labels of 1–63 letters, digits, '-' or '_', at most 253 octets, an
// optional final dot. Underscores appear in real service hostnames, so they are allowed.
const NAME =
  /^(?=.{1,253}\.?$)([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/
const HOST =
  /^(\*\.)?(?=.{1,253}\.?$)([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/

export const dnsLabel = z.string().regex(LABEL, 'must be a DNS label (1-63 of a-z, 0-9, -)')
export const dnsName = z.string().regex(NAME, 'must be a DNS name')
export const ipAddress = z.union([z.ipv4(), z.ipv6()], { error: 'must be an IPv4 or IPv6 address' })

export const port = z.object({
  name: z.string().max(63).default(''),
  port: z.number().int().min(1).max(65535),
  protocol: z.string().min(1).max(16).default('TCP'),
})

export const endpoint = z.object({
  addresses: z.array(ipAddress).min(1),
  hostname: dnsLabel.optional(),
})

const exportTo = z
  .array(z.string().min(1).max(63))
  .default(['*'])
  .describe('"*" everyone, "." own namespace, "~" nobody, else namespace names')

export const service = z.object({
  name: dnsLabel,
  namespace: dnsLabel,
  clusterIPs: z.array(ipAddress).default([]),
  externalName: dnsName.optional(),
  ports: z.array(port).default([]),
  endpoints: z.array(endpoint).default([]),
  exportTo,
})

// spec.addresses of a ServiceEntry: an IP, or a CIDR that is answered only when it is /32 or /128.
const vip = z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()], {
  error: 'must be an IP address or a CIDR',
})

export const serviceEntry = z.object({
  name: dnsLabel,
  namespace: dnsLabel,
  hosts: z.array(z.string().regex(HOST, 'must be a DNS name, optionally prefixed by "*."')).min(1),
  addresses: z.array(vip).default([]),
  hostAddresses: z.record(z.string(), z.array(ipAddress)).optional(),
  ports: z.array(port).default([]),
  endpoints: z.array(endpoint).default([]),
  resolution: z.string().optional(),
  exportTo,
})

/**
 * A view declared in the cluster (docs/views.md, "Views declared in the cluster"): the SHA-256
 * of its id, never the id, so that whoever reads the cluster or the snapshot cannot use it.
 */
export const publishedView = z.object({
  idSha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be the SHA-256 of the view id, 64 lower-case hex digits'),
  namespace: dnsLabel,
  cluster: dnsLabel.optional().describe('the publishing cluster; a view may bind no other'),
  search: z.array(dnsName).max(32).optional(),
  autoAllocatedVIPs: z.boolean().optional(),
})

export const snapshot = z.object({
  apiVersion: z.literal(API_VERSION, { error: `must be "${API_VERSION}" (this build accepts ${API_VERSION})` }),
  kind: z.literal(KIND, { error: `must be "${KIND}"` }),
  cluster: dnsLabel,
  revision: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  generatedAt: z.string().regex(RFC3339, 'must be an RFC 3339 time'),
  clusterDomain: dnsName.default('cluster.local'),
  ttl: z.number().int().min(0).max(86400).default(30),
  services: z.array(service).default([]),
  serviceEntries: z.array(serviceEntry).default([]),
  serviceCIDRs: z.array(z.union([z.cidrv4(), z.cidrv6()], { error: 'must be a CIDR' })).optional(),
  namespaces: z.array(dnsLabel).optional(),
  // An empty list reads as none: a delta that empties it then reaches the canonical form of a
  // PUT that leaves it out (docs/delta-pushes.md), and snapshots without views keep their digest.
  views: z
    .array(publishedView)
    .optional()
    .transform((views) => (views === undefined || views.length === 0 ? undefined : views)),
})

export type Snapshot = z.output<typeof snapshot>
export type SnapshotInput = z.input<typeof snapshot>
export type Service = z.output<typeof service>
export type ServiceEntry = z.output<typeof serviceEntry>
export type Endpoint = z.output<typeof endpoint>
export type Port = z.output<typeof port>
export type PublishedView = z.output<typeof publishedView>

/** The schema as JSON Schema (draft 2020-12), for other producers of snapshots. */
export function snapshotJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(snapshot, { io: 'input', target: 'draft-2020-12' }),
    $id: 'https://meshdoh.dev/schema/snapshot-v1.schema.json',
    title: 'meshdoh registry snapshot v1',
  }
}
