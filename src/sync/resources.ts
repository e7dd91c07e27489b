/**
 * What the job reads from the API, one entry per informer: the collection path, the list call
 * (typed clients from @kubernetes/client-node) and the function that strips each object.
 * deploy/base/rbac.yaml grants get/list/watch on exactly these.
 */
import {
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
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
import type { ListPage } from './pager.ts'

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

export function resourceDefs(kc: KubeConfig, mesh: MeshConfigRef): ResourceDefs {
  const core = kc.makeApiClient(CoreV1Api)
  const discovery = kc.makeApiClient(DiscoveryV1Api)
  const custom = kc.makeApiClient(CustomObjectsApi)
  const istio = (plural: string) => ({
    name: plural,
    path: `/apis/${ISTIO_GROUP}/${ISTIO_VERSION}/${plural}`,
    list: (req: { limit?: number; _continue?: string }) =>
      custom.listClusterCustomObject({ group: ISTIO_GROUP, version: ISTIO_VERSION, plural, ...req }) as Promise<
        ListPage<IstioObject>
      >,
    optional: true,
  })
  // Slices of Services only (the label the EndpointSlice controller sets); the selector is an existence test.
  const sliceSelector = 'kubernetes.io/service-name'
  const meshSelector = `metadata.name=${mesh.name}`
  return {
    services: { name: 'services', path: '/api/v1/services', list: (req) => core.listServiceForAllNamespaces(req), toRecord: toService },
    slices: {
      name: 'endpointslices',
      path: '/apis/discovery.k8s.io/v1/endpointslices',
      labelSelector: sliceSelector,
      list: (req) => discovery.listEndpointSliceForAllNamespaces({ ...req, labelSelector: sliceSelector }),
      toRecord: toSlice,
    },
    namespaces: { name: 'namespaces', path: '/api/v1/namespaces', list: (req) => core.listNamespace(req), toRecord: toNamespace },
    serviceEntries: { ...istio('serviceentries'), toRecord: toServiceEntry },
    workloadEntries: { ...istio('workloadentries'), toRecord: toWorkloadEntry },
    // One ConfigMap, by name: RBAC can then grant it by resourceNames (RBAC docs, "Referring to resources").
    meshConfig: {
      name: 'meshconfig',
      path: `/api/v1/namespaces/${mesh.namespace}/configmaps`,
      fieldSelector: meshSelector,
      list: (req) => core.listNamespacedConfigMap({ ...req, namespace: mesh.namespace, fieldSelector: meshSelector }),
      toRecord: toMeshDefaults,
    },
  }
}
