/**
 * worker-configuration.d.ts is what `npm run cf-typegen` writes from wrangler.toml now (else
 * `npm start` warns that the types might be out of date), and, with src/runtime/worker-env.d.ts,
 * it types the Worker's Env well enough that worker.ts needs no casts.
 */
import { copyFileSync, readFileSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, expect, it } from 'vitest'
import pkg from '../../package.json' with { type: 'json' }
import { run } from './support/process.ts'
import { removeTempDirs, tempDir } from './support/temp.ts'

const root = fileURLToPath(new URL('../../', import.meta.url))

afterAll(() => removeTempDirs())

it('worker-configuration.d.ts is current (wrangler types --check, as cf-typegen runs it)', async () => {
  const [command, ...args] = pkg.scripts['cf-typegen'].split(' ')
  expect(command).toBe('wrangler')
  // A copy of just what wrangler reads: a developer's own .dev.vars (git-ignored) stays out.
  const dir = tempDir()
  for (const file of ['wrangler.toml', 'worker-configuration.d.ts']) copyFileSync(join(root, file), join(dir, file))
  symlinkSync(join(root, 'src'), join(dir, 'src'))
  const wrangler = join(root, 'node_modules', '.bin', 'wrangler')
  const result = await run('sh', ['-c', `cd "${dir}" && exec "${wrangler}" ${args.join(' ')} --check`], {
    timeoutMs: 60_000,
  })
  expect(result.code, result.stdout + result.stderr).toBe(0)
}, 90_000)

it('worker.ts reads Env without casting it', () => {
  const source = readFileSync(join(root, 'src/runtime/worker.ts'), 'utf8')
  expect(source).not.toMatch(/as unknown as/)
  expect(source).toMatch(/parseSettings\(env\)/)
})
