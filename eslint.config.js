// Lint: typescript-eslint's recommended rules plus the import direction of the layers
// (dns ← registry ← store ← http ← runtime; sync sees only the snapshot schema).
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

const layer = (files, patterns, allowTypeImports = false) => ({
  files,
  rules: {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        patterns: patterns.map((group) => ({
          group: [group],
          message: 'imports go one way: dns ← registry ← store ← http ← runtime',
          allowTypeImports,
        })),
      },
    ],
  },
})

export default tseslint.config(
  { ignores: ['node_modules/', '.wrangler/', 'worker-configuration.d.ts', 'data/', 'dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  layer(
    ['src/dns/**'],
    ['**/registry/**', '**/store/**', '**/http/**', '**/runtime/**', '**/sync/**', 'hono', 'hono/*']
  ),
  layer(['src/registry/**'], ['**/store/**', '**/http/**', '**/runtime/**', '**/sync/**', 'hono', 'hono/*']),
  layer(['src/store/**'], ['**/http/**', '**/runtime/**', '**/sync/**']),
  // http reads the Settings type that runtime parses; it never calls into runtime.
  layer(['src/http/**'], ['**/runtime/**', '**/sync/**'], true),
  layer(
    ['src/sync/**'],
    ['**/dns/**', '**/store/**', '**/http/**', '**/runtime/**', '**/registry/!(schema|validate).ts']
  ),
  {
    files: ['src/runtime/worker.ts', 'src/store/durable-object.ts', 'src/http/**', 'src/registry/**', 'src/dns/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', '!node:buffer'],
              message: 'Workers code uses Web APIs (node:buffer aside, for dns-packet)',
            },
          ],
        },
      ],
    },
  }
)
