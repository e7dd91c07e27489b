/** Entry point of `npm run sync` (and of the container): see cli.ts and README.md. */
import { main } from './cli.ts'

main(process.argv.slice(2), process.env, process).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    process.exitCode = 1
  }
)
