/**
 * Where the job finds its cluster: --kubeconfig, else client-node's default search ($KUBECONFIG,
 * ~/.kube/config, the in-cluster service account). Every way this can fail is a KubeConfigError
 * naming what was looked at: client-node would otherwise throw a bare ENOENT with a stack trace,
 * or, finding nothing, quietly aim at http://localhost:8080 and fail each request.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { KubeConfig } from '@kubernetes/client-node'

export class KubeConfigError extends Error {}

export interface KubeConfigOptions {
  kubeconfig?: string
  context?: string
}

// Where client-node's loadFromCluster reads the pod's credentials from.
export const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token'

function reason(err: unknown): string {
  const { code, message } = err as { code?: unknown; message?: unknown }
  if (code === 'ENOENT') return 'no such file'
  if (code === 'EACCES') return 'permission denied'
  return typeof message === 'string' ? message.split('\n')[0]! : String(err)
}

function load(what: string, read: () => void): void {
  try {
    read()
  } catch (err) {
    throw new KubeConfigError(`cannot load the kubeconfig ${what}: ${reason(err)}`)
  }
}

export function loadKubeConfig(
  options: KubeConfigOptions,
  env: Record<string, string | undefined> = process.env
): KubeConfig {
  const kc = new KubeConfig()
  const home = env['HOME'] ? join(env['HOME'], '.kube', 'config') : undefined
  if (options.kubeconfig !== undefined) {
    load(`${options.kubeconfig} (--kubeconfig)`, () => kc.loadFromFile(options.kubeconfig!))
  } else if (env['KUBECONFIG']) {
    load(`${env['KUBECONFIG']} ($KUBECONFIG)`, () => kc.loadFromDefault())
  } else if (home !== undefined && existsSync(home)) {
    load(home, () => kc.loadFromFile(home))
  } else if (existsSync(SERVICE_ACCOUNT_TOKEN)) {
    if (!env['KUBERNETES_SERVICE_HOST'] || !env['KUBERNETES_SERVICE_PORT']) {
      throw new KubeConfigError(
        `found the service account token ${SERVICE_ACCOUNT_TOKEN}, but KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set`
      )
    }
    kc.loadFromCluster()
  } else {
    throw new KubeConfigError(
      `no kubeconfig found: no --kubeconfig, $KUBECONFIG is not set, ${home ?? '~/.kube/config'} does not exist, ` +
        `and this is not a pod (no ${SERVICE_ACCOUNT_TOKEN})`
    )
  }
  if (options.context !== undefined) {
    if (kc.getContextObject(options.context) === null) {
      const known = kc.getContexts().map((c) => c.name)
      throw new KubeConfigError(`--context ${options.context}: not in the kubeconfig (contexts: ${known.join(', ')})`)
    }
    kc.setCurrentContext(options.context)
  }
  if (!kc.getCurrentContext()) throw new KubeConfigError('the kubeconfig sets no current-context; pass --context')
  if (kc.getCurrentCluster() === null) {
    throw new KubeConfigError(`the kubeconfig's context "${kc.getCurrentContext()}" names no cluster it defines`)
  }
  return kc
}
