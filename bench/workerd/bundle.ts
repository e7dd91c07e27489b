/**
 * Bundles the benchmark Worker with esbuild (the version wrangler itself uses) and writes a
 * workerd config for it: one ES module, nodejs_compat, one HTTP socket on 127.0.0.1.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, type Plugin } from 'esbuild'

/** wrangler.toml's compatibility date, so the runtime behaves as the deployed Worker does. */
function compatibilityDate(): string {
  const toml = readFileSync(new URL('../../wrangler.toml', import.meta.url), 'utf8')
  const date = /^compatibility_date\s*=\s*"([\d-]+)"/m.exec(toml)?.[1]
  if (date === undefined) throw new Error('no compatibility_date in wrangler.toml')
  return date
}

// dns-packet is CommonJS and calls require('buffer'); a Worker has no require, so the
// builtin becomes an import of node:buffer, as wrangler's nodejs_compat bundling does.
const requireBuiltins: Plugin = {
  name: 'require-builtins',
  setup(b) {
    b.onResolve({ filter: /^(node:)?buffer$/ }, (args) =>
      args.kind === 'require-call' ? { path: 'buffer', namespace: 'builtin' } : { path: 'node:buffer', external: true }
    )
    b.onLoad({ filter: /.*/, namespace: 'builtin' }, () => ({ contents: "export * from 'node:buffer'", loader: 'js' }))
  },
}

export async function bundleWorker(dir: string, port: number): Promise<string> {
  const entry = fileURLToPath(new URL('./entry.ts', import.meta.url))
  await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    mainFields: ['module', 'main'],
    conditions: ['workerd', 'worker', 'browser'],
    external: ['node:*'],
    plugins: [requireBuiltins],
    outfile: join(dir, 'worker.js'),
    logLevel: 'error',
  })
  const config = `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "bench", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "bench") ],
);
const worker :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.js") ],
  compatibilityDate = "${compatibilityDate()}",
  compatibilityFlags = ["nodejs_compat"],
);
`
  const path = join(dir, 'bench.capnp')
  writeFileSync(path, config)
  return path
}
