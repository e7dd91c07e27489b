/**
 * Objects shaped as the API server returns them (kubectl get -o json), without the fields the
 * server fills in (uid, resourceVersion, creationTimestamp: k8s-store.ts adds those).
 */
import type { KubeObject } from './k8s-store.ts'

interface PortSpec {
  name?: string
  port: number
  protocol?: string
}

export interface ServiceSpec {
  clusterIPs?: string[]
  headless?: boolean
  externalName?: string
  ports?: PortSpec[]
  annotations?: Record<string, string>
  publishNotReadyAddresses?: boolean
}

export function service(namespace: string, name: string, spec: ServiceSpec = {}): KubeObject {
  const metadata = {
    name,
    namespace,
    labels: { app: name },
    ...(spec.annotations ? { annotations: spec.annotations } : {}),
  }
  const ports = (spec.ports ?? [{ name: 'http', port: 80 }]).map((p) => ({
    name: p.name ?? '',
    protocol: p.protocol ?? 'TCP',
    port: p.port,
    targetPort: p.port,
  }))
  if (spec.externalName !== undefined) {
    return {
      apiVersion: 'v1',
      kind: 'Service',
      metadata,
      spec: { type: 'ExternalName', externalName: spec.externalName, sessionAffinity: 'None' },
      status: { loadBalancer: {} },
    }
  }
  const ips = spec.headless ? ['None'] : (spec.clusterIPs ?? ['10.96.0.10'])
  const families = spec.headless ? ['IPv4'] : ips.map((ip) => (ip.includes(':') ? 'IPv6' : 'IPv4'))
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata,
    spec: {
      ports,
      selector: { app: name },
      clusterIP: ips[0],
      clusterIPs: ips,
      type: 'ClusterIP',
      sessionAffinity: 'None',
      ...(spec.publishNotReadyAddresses ? { publishNotReadyAddresses: true } : {}),
      ipFamilies: families,
      ipFamilyPolicy: families.length > 1 ? 'PreferDualStack' : 'SingleStack',
      internalTrafficPolicy: 'Cluster',
    },
    status: { loadBalancer: {} },
  }
}

export function namespace(name: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { 'kubernetes.io/metadata.name': name } },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  }
}

export interface EndpointSpec {
  addresses: string[]
  hostname?: string
  /** Omitted when undefined: the API says nil means ready. */
  ready?: boolean
}

export function endpointSlice(
  namespace: string,
  name: string,
  service: string,
  addressType: 'IPv4' | 'IPv6' | 'FQDN',
  endpoints: EndpointSpec[]
): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name,
      generateName: `${service}-`,
      namespace,
      labels: {
        'kubernetes.io/service-name': service,
        'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
      },
      ownerReferences: [
        {
          apiVersion: 'v1',
          kind: 'Service',
          name: service,
          uid: '00000000-0000-0000-0000-000000000000',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    addressType,
    endpoints: endpoints.map((ep, i) => ({
      addresses: ep.addresses,
      conditions: ep.ready === undefined ? {} : { ready: ep.ready, serving: ep.ready, terminating: false },
      ...(ep.hostname ? { hostname: ep.hostname } : {}),
      targetRef: { kind: 'Pod', namespace, name: ep.hostname ?? `${service}-${i}` },
      nodeName: 'node-1',
    })),
    ports: [{ name: 'http', protocol: 'TCP', port: 80 }],
  }
}

export function serviceEntry(
  namespace: string,
  name: string,
  spec: Record<string, unknown>,
  status?: Record<string, unknown>
): KubeObject {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'ServiceEntry',
    metadata: { name, namespace },
    spec: {
      location: 'MESH_INTERNAL',
      resolution: 'STATIC',
      ports: [{ number: 80, name: 'http', protocol: 'HTTP' }],
      ...spec,
    },
    ...(status ? { status } : {}),
  }
}

export function workloadEntry(
  namespace: string,
  name: string,
  address: string,
  labels: Record<string, string>
): KubeObject {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'WorkloadEntry',
    metadata: { name, namespace },
    spec: { address, labels, serviceAccount: 'default' },
  }
}

/** The istio ConfigMap in istio-system, as istiod's installation writes it. */
export function meshConfigMap(mesh: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'istio', namespace: 'istio-system', labels: { 'istio.io/rev': 'default' } },
    data: { mesh, meshNetworks: 'networks: {}' },
  }
}
