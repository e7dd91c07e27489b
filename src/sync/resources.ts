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
import type { KubeConfig, V1ConfigMap, V1EndpointSlice, V1Namespace, V1Service } from '@kubernetes/client-node'
import { servedVersion } from './discovery.ts'
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
import { getJson } from './request.ts'
import { toViewRecord, VIEW_SELECTOR, type ViewRecord } from './views.ts'

export const ISTIO_GROUP = 'networking.istio.io'
// Most preferred first: v1 from Istio 1.22 on, v1beta1 before it. Neither served means no Istio.
export const ISTIO_VERSIONS = ['v1', 'v1beta1'] as const

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
  views: ResourceDef<V1ConfigMap, ViewRecord>
}

/** One page of a collection, as plain JSON (see the top of this file). */
function lister<O>(kc: KubeConfig, selectors: { labelSelector?: string; fieldSelector?: string } = {}) {
  return (path: string, req: PageRequest): Promise<ListPage<O>> =>
    getJson<ListPage<O>>(kc, path, { ...selectors, limit: req.limit, continue: req._continue })
}

const ISTIO_ABSENT = "Istio's CRDs are not installed: publishing Services only"
const verbs = 'get/list/watch'

export function resourceDefs(kc: KubeConfig, mesh: MeshConfigRef): ResourceDefs {
  const istio = (plural: string) => {
    const path = async () => {
      const version = await servedVersion(kc, ISTIO_GROUP, ISTIO_VERSIONS)
      return version === undefined ? undefined : `/apis/${ISTIO_GROUP}/${version}/${plural}`
    }
    const permission = `${verbs} on ${plural}.${ISTIO_GROUP} (cluster-wide)`
    return {
      name: plural,
      path,
      permission,
      list: lister<IstioObject>(kc),
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
      list: lister<V1Service>(kc),
      toRecord: toService,
    },
    slices: {
      name: 'endpointslices',
      path: '/apis/discovery.k8s.io/v1/endpointslices',
      permission: `${verbs} on endpointslices.discovery.k8s.io (cluster-wide)`,
      labelSelector: sliceSelector,
      list: lister<V1EndpointSlice>(kc, { labelSelector: sliceSelector }),
      toRecord: toSlice,
    },
    namespaces: {
      name: 'namespaces',
      path: '/api/v1/namespaces',
      permission: `${verbs} on namespaces (cluster-wide)`,
      list: lister<V1Namespace>(kc),
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
      list: lister<V1ConfigMap>(kc, { fieldSelector: meshSelector }),
      toRecord: toMeshDefaults,
    },
    // View ConfigMaps in every namespace, by label. Optional: without the grant the snapshot
    // publishes no views, and MESHDOH_VIEWS alone defines them.
    views: {
      name: 'views',
      path: '/api/v1/configmaps',
      permission: `${verbs} on configmaps (cluster-wide; the job selects ${VIEW_SELECTOR})`,
      optional: { absentNote: 'view ConfigMaps cannot be read: publishing no views' },
      labelSelector: VIEW_SELECTOR,
      list: lister<V1ConfigMap>(kc, { labelSelector: VIEW_SELECTOR }),
      toRecord: toViewRecord,
    },
  }
}
