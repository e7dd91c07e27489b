/**
 * Which version of an API group to read, from API discovery (GET /apis/{group}, an APIGroup).
 * Istio serves ServiceEntry and WorkloadEntry as networking.istio.io/v1 from 1.22 on, and only
 * as v1beta1 (and v1alpha3) before; asking for v1 alone would read nothing from older meshes.
 */
import type { KubeConfig } from '@kubernetes/client-node'
import { statusOf } from './pager.ts'
import { getJson } from './request.ts'

interface ApiGroup {
  versions?: { version?: string }[]
}

/**
 * The first of `preferred` the group serves; undefined when it serves none of them or the group
 * is not there at all (404). Other failures (a 403, the network) are thrown for the caller's retry.
 */
export async function servedVersion(
  kc: KubeConfig,
  group: string,
  preferred: readonly string[]
): Promise<string | undefined> {
  let found: ApiGroup
  try {
    found = await getJson<ApiGroup>(kc, `/apis/${group}`)
  } catch (err) {
    if (statusOf(err) === 404) return undefined
    throw err
  }
  const served = new Set((found.versions ?? []).map((v) => v.version))
  return preferred.find((v) => served.has(v))
}
