import { pino, type Logger } from 'pino'

export type { Logger }

/** One structured logger for the process; components take children with their own `component`. */
export function createLogger(level: string, name = 'magpie'): Logger {
  return pino({ name, level, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: false }))
}

let guarded = false

/**
 * A server logs a promise rejection nobody handled instead of exiting, Node's default: one
 * request's lost error must not take every other request down with the process. It is still a
 * bug (an error dropped on the floor), so it is logged as an error with its stack. Once per process.
 */
export function logUnhandledRejections(log: Logger): void {
  if (guarded) return
  guarded = true
  process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled promise rejection: a bug; logged, and the process goes on'))
}
