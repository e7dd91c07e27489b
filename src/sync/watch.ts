/**
 * The cluster as the job sees it: one informer per resource (resources.ts), ready only once
 * every one of them has finished its initial list, so no snapshot is ever built from half a
 * cluster.
 */
import type { KubeConfig } from '@kubernetes/client-node'
import type { Logger } from 'pino'
import { Availability } from './availability.ts'
import type { ClusterState } from './build.ts'
import { Informer, type InformerOptions } from './informer.ts'
import type { MeshDefaults } from './mesh-config.ts'
import type { SyncMetrics } from './metrics.ts'
import { resourceDefs, type MeshConfigRef } from './resources.ts'

export interface WatchSettings extends InformerOptions {
  meshConfig: MeshConfigRef
}

/** What the job needs from a cluster: readiness, the current state, and change notices. */
export interface ClusterSource {
  readonly ready: Promise<void>
  isReady(): boolean
  state(): ClusterState
  mesh(): MeshDefaults
  start(onChange: () => void): void
  stop(): Promise<void>
}

export class ClusterWatch implements ClusterSource {
  readonly ready: Promise<void>
  #ready = false
  #onChange: () => void = () => {}
  #meshError: string | undefined
  readonly #informers
  readonly #log: Logger
  readonly #availability: Availability

  constructor(kc: KubeConfig, settings: WatchSettings, metrics: SyncMetrics, log: Logger) {
    this.#log = log
    this.#availability = new Availability(metrics, log)
    const defs = resourceDefs(kc, settings.meshConfig)
    const deps = {
      metrics,
      log,
      onChange: () => this.#onChange(),
      onAvailability: this.#availability.note.bind(this.#availability),
    }
    this.#informers = {
      services: new Informer(kc, defs.services, settings, deps),
      slices: new Informer(kc, defs.slices, settings, deps),
      namespaces: new Informer(kc, defs.namespaces, settings, deps),
      serviceEntries: new Informer(kc, defs.serviceEntries, settings, deps),
      workloadEntries: new Informer(kc, defs.workloadEntries, settings, deps),
      meshConfig: new Informer(kc, defs.meshConfig, settings, deps),
      views: new Informer(kc, defs.views, settings, deps),
    }
    const all = Object.values(this.#informers).map((i) => i.synced)
    this.ready = Promise.all(all).then(() => {
      this.#ready = true
      metrics.ready.set(1)
    })
  }

  start(onChange: () => void): void {
    this.#onChange = onChange
    for (const informer of Object.values(this.#informers)) informer.start()
  }

  isReady(): boolean {
    return this.#ready
  }

  /** Optional sources left out (Istio's CRDs, the mesh config), one line each, for /readyz. */
  unavailable(): string[] {
    return this.#availability.detail()
  }

  state(): ClusterState {
    const i = this.#informers
    return {
      services: i.services.records(),
      slices: i.slices.records(),
      namespaces: i.namespaces.records(),
      serviceEntries: i.serviceEntries.records(),
      workloadEntries: i.workloadEntries.records(),
      views: i.views.records(),
    }
  }

  mesh(): MeshDefaults {
    const mesh = this.#informers.meshConfig.records()[0] ?? {}
    if (mesh.error !== undefined && mesh.error !== this.#meshError) {
      this.#log.warn({ err: mesh.error }, 'cannot read the mesh config; using exportTo ["*"] as default')
    }
    this.#meshError = mesh.error
    return mesh
  }

  async stop(): Promise<void> {
    await Promise.all(Object.values(this.#informers).map((i) => i.stop()))
  }
}
