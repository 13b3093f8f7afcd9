import { pino, type Logger } from 'pino'

export type { Logger }

/** One structured logger for the process; components take children with their own `component`. */
export function createLogger(level: string, name = 'magpie'): Logger {
  return pino({ name, level, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: false }))
}
