/** Reads a metric of a running server through prom-client's public API. */
import type { NodeServer } from '../../../src/runtime/node-server.ts'

/** The sum of a counter or gauge over the series whose labels include `labels`. */
export async function metricValue(
  server: NodeServer,
  name: string,
  labels: Record<string, string> = {}
): Promise<number> {
  const metric = server.metrics.registry.getSingleMetric(name)
  if (metric === undefined) throw new Error(`no metric ${name}`)
  const { values } = await metric.get()
  return values
    .filter((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want))
    .reduce((sum, v) => sum + v.value, 0)
}
