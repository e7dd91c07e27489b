import { cloudflareTest } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'
import views from './test/fixtures/views.json' with { type: 'json' }

// Two projects: "workers" runs inside workerd (the Worker, the core, the Durable Object
// store); "node" runs what only exists on Node (the sync job, the Node server, real clients).
export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: {
                MESHDOH_PUSH_TOKENS: 'test-token,east-1=east-token',
                // east-1 has a token of its own, so it is confined unless its namespaces are declared
                // the same across the mesh: the semantics tables exercise R17 across clusters.
                MESHDOH_PUSH_POLICY: JSON.stringify({ 'east-1': { sameness: ['*'] } }),
                MESHDOH_FRESHNESS_SECONDS: '0.001',
                MESHDOH_VIEWS: JSON.stringify(views),
              },
            },
          }),
        ],
        test: { name: 'workers', include: ['test/**/*.test.ts'], exclude: ['test/node/**', 'test/sync/**'] },
      },
      {
        test: {
          name: 'node',
          environment: 'node',
          include: ['test/node/**/*.test.ts', 'test/sync/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
    ],
  },
})
