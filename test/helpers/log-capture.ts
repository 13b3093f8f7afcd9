import { Writable } from 'node:stream'
import { pino, type Logger } from 'pino'

/** A log entry as pino writes it, with the fields ingest tests look for. */
export interface LogLine {
  msg: string
  seq?: number
  did?: string
  reason?: string
  [field: string]: unknown
}

/** A logger at `level` whose lines are kept in `lines`, for asserting on what was logged. */
export function capturingLogger(level = 'warn'): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = []
  const log = pino(
    { level },
    new Writable({
      write(line, _enc, done) {
        lines.push(JSON.parse(String(line)))
        done()
      },
    }),
  )
  return { log, lines }
}
