import type { PublishPolicy } from './publish-policy.ts'

/** The view: what meshdoh knows about the client that asks (docs/views.md). */
export interface View {
  id: string
  namespace?: string
  cluster?: string
  /** The client's resolv.conf search list, normalised; only the first entry is used (R16.2). */
  search: string[]
  /** Whether the client's sidecar intercepts auto-allocated ServiceEntry VIPs (R13.7). */
  autoAllocatedVIPs: boolean
  /** Which clusters' names the view may see (publish-policy.ts); absent: every cluster's. */
  scope?: PublishPolicy
}

/** The view of `/dns-query` and `/resolve`: no namespace, no cluster, no search list. */
export const EMPTY_VIEW: View = Object.freeze({ id: '', search: [], autoAllocatedVIPs: true })
