/**
 * Istio's mesh config, read from the `mesh` key of the istio ConfigMap (YAML), reduced to the
 * two defaults a snapshot needs. Istio reads the same key (pkg/config/mesh/mesh.go ApplyMeshConfig).
 */
import { loadYaml, type V1ConfigMap } from '@kubernetes/client-node'

export interface MeshDefaults {
  /** `defaultServiceExportTo`: for Services without the exportTo annotation. */
  serviceExportTo?: string[]
  /** `defaultServiceEntryExportTo`: for ServiceEntries without spec.exportTo. */
  serviceEntryExportTo?: string[]
  /** Why the config could not be read; the defaults then stay unset (visible to all). */
  error?: string
}

function list(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined
  const out = value.filter((v): v is string => typeof v === 'string' && v !== '')
  return out.length > 0 ? out : undefined
}

/** Parses the `mesh` YAML; an unreadable document yields no defaults and an error to log. */
export function parseMeshConfig(yaml: string | undefined): MeshDefaults {
  if (yaml === undefined || yaml.trim() === '') return {}
  let doc: unknown
  try {
    doc = loadYaml<unknown>(yaml)
  } catch (err) {
    return { error: `mesh config is not YAML: ${(err as Error).message}` }
  }
  if (typeof doc !== 'object' || doc === null) return { error: 'mesh config is not a YAML mapping' }
  const mesh = doc as Record<string, unknown>
  const out: MeshDefaults = {}
  const services = list(mesh['defaultServiceExportTo'])
  const entries = list(mesh['defaultServiceEntryExportTo'])
  if (services) out.serviceExportTo = services
  if (entries) out.serviceEntryExportTo = entries
  return out
}

export function toMeshDefaults(cm: V1ConfigMap): MeshDefaults {
  return parseMeshConfig(cm.data?.['mesh'])
}
