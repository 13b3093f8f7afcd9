import { spawn, type ChildProcess } from 'node:child_process'
import { appendFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The real `magpie` CLI as a child process of its own process group (so that stopping it stops
 * anything it started), with its log lines (JSON on stderr) and its stdout collected.
 * MAGPIE_TEST_CHILD_LOG names a file that gets every child's stderr, for debugging.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

export interface LogLine {
  msg?: string
  level?: number
  [key: string]: unknown
}

export class MagpieProcess {
  readonly child: ChildProcess
  readonly logs: LogLine[] = []
  stdout = ''
  stderr = ''
  /** The exit code (null when ended by a signal). */
  readonly exited: Promise<number | null>
  private readonly waiters = new Set<() => void>()

  constructor(
    readonly name: string,
    args: string[],
    env: Record<string, string>,
  ) {
    this.child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), ...args], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)))
    void this.exited.then(() => this.wake())
    this.child.stdout!.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()))
    let pending = ''
    this.child.stderr!.on('data', (chunk: Buffer) => {
      const text = chunk.toString()
      this.stderr += text
      if (process.env.MAGPIE_TEST_CHILD_LOG) appendFileSync(process.env.MAGPIE_TEST_CHILD_LOG, text.replace(/^(?=.)/gm, `[${name}] `))
      pending += text
      let nl
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl)
        pending = pending.slice(nl + 1)
        try {
          this.logs.push(JSON.parse(line) as LogLine)
        } catch {
          // not a log line
        }
      }
      this.wake()
    })
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null
  }

  /** The first log line with this message (and, if given, passing `test`); fails if the process exits first or after `timeoutMs`. */
  async waitForLog(msg: string, timeoutMs = 120_000, test: (line: LogLine) => boolean = () => true): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = this.logs.find((l) => l.msg === msg && test(l))
      if (found) return found
      if (!this.running) throw new Error(`${this.name} exited (${this.child.exitCode ?? this.child.signalCode}) before logging "${msg}":\n${this.stderr.slice(-3000)}`)
      if (Date.now() > deadline) throw new Error(`${this.name} did not log "${msg}" within ${timeoutMs} ms:\n${this.stderr.slice(-3000)}`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 500)
        this.waiters.add(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  /** The URL it logged with `msg` (`serving`, `metrics listening`). */
  async loggedUrl(msg: string): Promise<string> {
    const line = await this.waitForLog(msg)
    if (typeof line.url !== 'string') throw new Error(`${this.name}: "${msg}" carries no url`)
    return line.url
  }

  /** Signals its whole process group and waits for it to end. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.running && this.child.pid !== undefined) {
      try {
        process.kill(-this.child.pid, signal)
      } catch {
        // already gone
      }
    }
    return this.exited
  }

  private wake(): void {
    const waiters = [...this.waiters]
    this.waiters.clear()
    for (const w of waiters) w()
  }
}
