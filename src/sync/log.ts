/**
 * The job's logger: JSON lines with level names ("level":"warn"), as the Node server writes
 * them (src/runtime/node.ts), so one log pipeline reads both without a numeric level table.
 */
import { pino, type DestinationStream, type Logger } from 'pino'

export function syncLogger(level: string, cluster: string, destination: DestinationStream): Logger {
  return pino({ level, base: { cluster }, formatters: { level: (label) => ({ level: label }) } }, destination)
}
