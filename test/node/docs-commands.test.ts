/**
 * Files the docs' commands write when run from the repository (the throw-away certificate and
 * key of deploy/node/README.md) land where git ignores them, never in the working tree.
 */
import { readFileSync } from 'node:fs'
import { expect, it } from 'vitest'

const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8')

it('openssl in the docs writes only under git-ignored directories', () => {
  const ignored = read('.gitignore')
    .split('\n')
    .filter((line) => line.endsWith('/'))
  const written = ['README.md', 'deploy/node/README.md'].flatMap((file) =>
    [...read(file).matchAll(/^(?:mkdir -p \S+ && )?openssl req[^]*?(?=\n(?! ))/gm)].flatMap((command) =>
      [...command[0].matchAll(/-(?:keyout|out) (\S+)/g)].map((m) => m[1]!)
    )
  )
  expect(written).toEqual(['.dev/key.pem', '.dev/cert.pem'])
  for (const path of written) expect(ignored, path).toContain(`${path.split('/')[0]}/`)
})
