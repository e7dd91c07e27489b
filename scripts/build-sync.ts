/**
 * Bundles the sync job (src/sync/main.ts) into one ES module, dist/sync/main.mjs, which is what
 * the container runs. Why: run from source, the job pays for tsx (a loader compiling every
 * file at start-up) and for importing all of @kubernetes/client-node, whose generated models
 * and APIs are mostly unused. The tree-shaken bundle needs neither: it was measured at ~175 MB
 * RSS instead of ~220, and 170 ms to start instead of 800. It carries every dependency, so the
 * runtime image needs no node_modules and no tsx.
 *
 *   npm run build:sync [-- outfile]
 */
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import pkg from '../package.json' with { type: 'json' }

/**
 * The V8 flags the container starts the bundle with (deploy/sync.Dockerfile, and the benchmark).
 * The job allocates in bursts (a list, a build) and keeps a steady working set between them; by
 * default V8 gives it a 16 MB young generation per semi-space and lets the old one grow to about
 * twice what is live before collecting. Measured at 10k Services (`npm run bench -- sync`): RSS
 * 177 → 143 MB after the first snapshot and 217 → 161 MB at most over 20 changes, the first
 * snapshot no slower (a 2 MB semi-space, or --optimize-for-size, cost 0.1–0.3 s there).
 */
export const SYNC_NODE_FLAGS = ['--max-semi-space-size=4', '--heap-growing-percent=25'] as const

// Some CommonJS dependencies require() Node builtins; an ES module has no require of its own.
const REQUIRE_SHIM = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);"

/** The oldest Node the job runs on: package.json's `engines`, the one place it is stated. */
export const MIN_NODE = /^>=\s*(\d+)\.(\d+)/.exec(pkg.engines.node)?.slice(1, 3).map(Number) ?? []
if (MIN_NODE.length !== 2) throw new Error(`engines.node must read ">=MAJOR.MINOR…", not ${pkg.engines.node}`)

/**
 * The bundle's first statement. Why: under an older Node the job does not fail cleanly, it dies
 * at load with a stack trace from deep inside undici (Node 20 has no zstd in node:zlib). Only
 * syntax every Node parses, and before any bundled code runs; exit 2, as for a bad setting.
 */
export function nodeVersionGuard(): string {
  const [major, minor] = MIN_NODE
  return [
    `{const v=process.versions.node.split('.').map(Number);`,
    `if(v[0]<${major}||(v[0]===${major}&&v[1]<${minor})){`,
    `process.stderr.write('meshdoh sync: Node.js ${major}.${minor} or newer is required; this is Node.js '+process.versions.node+'\\n');`,
    `process.exit(2)}}`,
  ].join('')
}

/** Builds the bundle; returns its absolute path (relative `outfile`s are from the cwd). */
export async function buildSync(outfile = 'dist/sync/main.mjs'): Promise<string> {
  const path = resolve(outfile)
  await build({
    entryPoints: [fileURLToPath(new URL('../src/sync/main.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    outfile: path,
    banner: { js: `${nodeVersionGuard()}\n${REQUIRE_SHIM}` },
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'warning',
  })
  return path
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(await buildSync(process.argv[2]))
}
