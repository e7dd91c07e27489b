/** Where the job finds its cluster: --kubeconfig, else client-node's default search. */
import { KubeConfig } from '@kubernetes/client-node'

export function loadKubeConfig(options: { kubeconfig?: string; context?: string }): KubeConfig {
  const kc = new KubeConfig()
  // loadFromDefault: $KUBECONFIG (colon-separated), ~/.kube/config, then the in-cluster
  // service account (KUBERNETES_SERVICE_HOST and /var/run/secrets/kubernetes.io/serviceaccount).
  if (options.kubeconfig !== undefined) kc.loadFromFile(options.kubeconfig)
  else kc.loadFromDefault()
  if (options.context !== undefined) kc.setCurrentContext(options.context)
  return kc
}
