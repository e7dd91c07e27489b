/** How the tests start TypeScript sources as processes of their own: this Node, with tsx's loader. */
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'

const repo = new URL('../../../', import.meta.url)
const loader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href

/** [command, args] that run `script` (a path from the repository root) under tsx. */
export function tsxArgs(script: string, ...args: string[]): [string, string[]] {
  return [process.execPath, ['--import', loader, fileURLToPath(new URL(script, repo)), ...args]]
}

/** [command, args] that run the package's `meshdoh` bin, as `npx meshdoh` would. */
export function binArgs(...args: string[]): [string, string[]] {
  return [process.execPath, [fileURLToPath(new URL('src/runtime/node-bin.mjs', repo)), ...args]]
}
