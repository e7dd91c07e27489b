/**
 * What the job reads from the API, one entry per informer: the collection path, the list call
 * and the function that strips each object. deploy/base/rbac.yaml grants get/list/watch on
 * exactly these.
 *
 * Lists are plain GETs whose JSON goes straight to the strip functions, as watch events do. The
 * typed clients of @kubernetes/client-node would first turn every object into its model classes
 * (ObjectSerializer.deserialize), which at 10k Services and 10k EndpointSlices cost about a
 * quarter of a second of CPU and as much garbage again, for fields the records never read.
 */
import {
  ApiException,
  HttpMethod,
  IsomorphicFetchHttpLibrary,
  RequestContext,
  type KubeConfig,
  type V1ConfigMap,
  type V1EndpointSlice,
  type V1Namespace,
  type V1Service,
} from '@kubernetes/client-node'
import type { ResourceDef } from './informer.ts'
import { toMeshDefaults, type MeshDefaults } from './mesh-config.ts'
import {
  toNamespace,
  toService,
  toServiceEntry,
  toSlice,
  toWorkloadEntry,
  type IstioObject,
  type ServiceEntryRecord,
  type ServiceRecord,
  type SliceRecord,
  type WorkloadEntryRecord,
} from './objects.ts'
import type { ListPage, PageRequest } from './pager.ts'

export const ISTIO_GROUP = 'networking.istio.io'
export const ISTIO_VERSION = 'v1'

export interface MeshConfigRef {
  namespace: string
  name: string
}

export interface ResourceDefs {
  services: ResourceDef<V1Service, ServiceRecord>
  slices: ResourceDef<V1EndpointSlice, SliceRecord>
  namespaces: ResourceDef<V1Namespace, string>
  serviceEntries: ResourceDef<IstioObject, ServiceEntryRecord>
  workloadEntries: ResourceDef<IstioObject, WorkloadEntryRecord>
  meshConfig: ResourceDef<V1ConfigMap, MeshDefaults>
}

const http = new IsomorphicFetchHttpLibrary()

/**
 * One page of a collection, as JSON: the same request the typed client makes (kubeconfig
 * credentials included), without its model classes. Failures are ApiExceptions, so `statusOf`
 * (pager.ts) reads their status as before.
 */
function lister<O>(kc: KubeConfig, path: string, selectors: { labelSelector?: string; fieldSelector?: string } = {}) {
  return async (req: PageRequest): Promise<ListPage<O>> => {
    const cluster = kc.getCurrentCluster()
    if (!cluster) throw new Error('No active cluster!')
    const url = new URL(cluster.server + path)
    const params: Record<string, string | number | undefined> = {
      ...selectors,
      limit: req.limit,
      continue: req._continue,
    }
    for (const [key, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(key, String(value))
    const ctx = new RequestContext(url.toString(), HttpMethod.GET)
    ctx.setHeaderParam('Accept', 'application/json')
    await kc.applySecurityAuthentication(ctx)
    const res = await http.send(ctx).toPromise()
    const text = await res.body.text()
    if (res.httpStatusCode < 200 || res.httpStatusCode > 299) {
      throw new ApiException(res.httpStatusCode, `listing ${path}`, text.slice(0, 500), res.headers)
    }
    return JSON.parse(text) as ListPage<O>
  }
}

const ISTIO_ABSENT = "Istio's CRDs are not installed: publishing Services only"
const verbs = 'get/list/watch'

export function resourceDefs(kc: KubeConfig, mesh: MeshConfigRef): ResourceDefs {
  const istio = (plural: string) => {
    const path = `/apis/${ISTIO_GROUP}/${ISTIO_VERSION}/${plural}`
    const permission = `${verbs} on ${plural}.${ISTIO_GROUP} (cluster-wide)`
    return {
      name: plural,
      path,
      permission,
      list: lister<IstioObject>(kc, path),
      optional: { absentNote: ISTIO_ABSENT },
    }
  }
  // Slices of Services only (the label the EndpointSlice controller sets); the selector is an existence test.
  const sliceSelector = 'kubernetes.io/service-name'
  const meshSelector = `metadata.name=${mesh.name}`
  return {
    services: {
      name: 'services',
      path: '/api/v1/services',
      permission: `${verbs} on services (cluster-wide)`,
      list: lister<V1Service>(kc, '/api/v1/services'),
      toRecord: toService,
    },
    slices: {
      name: 'endpointslices',
      path: '/apis/discovery.k8s.io/v1/endpointslices',
      permission: `${verbs} on endpointslices.discovery.k8s.io (cluster-wide)`,
      labelSelector: sliceSelector,
      list: lister<V1EndpointSlice>(kc, '/apis/discovery.k8s.io/v1/endpointslices', { labelSelector: sliceSelector }),
      toRecord: toSlice,
    },
    namespaces: {
      name: 'namespaces',
      path: '/api/v1/namespaces',
      permission: `${verbs} on namespaces (cluster-wide)`,
      list: lister<V1Namespace>(kc, '/api/v1/namespaces'),
      toRecord: toNamespace,
    },
    serviceEntries: { ...istio('serviceentries'), toRecord: toServiceEntry },
    workloadEntries: { ...istio('workloadentries'), toRecord: toWorkloadEntry },
    // One ConfigMap, by name: RBAC can then grant it by resourceNames (RBAC docs, "Referring to resources").
    // Optional: without it (no Istio, or the istio-system Role dropped) exportTo defaults to ["*"].
    meshConfig: {
      name: 'meshconfig',
      path: `/api/v1/namespaces/${mesh.namespace}/configmaps`,
      permission: `${verbs} on configmaps "${mesh.name}" in namespace ${mesh.namespace}`,
      optional: { absentNote: 'no mesh config to read: exportTo defaults to ["*"]' },
      fieldSelector: meshSelector,
      list: lister<V1ConfigMap>(kc, `/api/v1/namespaces/${mesh.namespace}/configmaps`, { fieldSelector: meshSelector }),
      toRecord: toMeshDefaults,
    },
  }
}
