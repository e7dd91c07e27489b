/** `npm run vm -- …` and `meshdoh vm …` (node-bin.mjs): cli.ts with the process's streams. */
import { runVm } from './cli.ts'

process.exitCode = await runVm(
  process.argv.slice(2).filter((arg, i) => !(i === 0 && arg === 'vm')),
  {
    stdout: process.stdout,
    stderr: process.stderr,
  }
)
