/**
 * The processes app-mix.ts measures: Magpie's API server and its live ingest, each a child
 * process of its own so that its CPU can be read apart (/proc, the whole process tree), and each
 * run from a checkout that may not be this one (`--src`): the benchmark's code stays the same
 * while the code under test changes. Every setting reaches them through the environment (PORT,
 * RELAY_URL, INDEX_PREFIX, …), so a custom command needs no arguments.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { existsSync } from 'node:fs'
import path from 'node:path'
import type { IdentityServices } from './identity-services.js'
import { processTreeCpuMs } from './machine-stats.js'

export interface Child {
  name: string
  pid: number
  /** CPU time of the child and its descendants (ms). */
  cpuMs(): number
  exited(): boolean
  stop(): Promise<void>
}

/**
 * `command` (a shell command run in `src`) or else `magpie <args>` from the checkout at `src`: its
 * compiled JavaScript through `scripts/magpie` (which builds it when a source is newer), as
 * production runs it, or this Node and tsx for a checkout from before there was a build
 * (`MAGPIE_BENCH_TSX=1`: tsx for any).
 */
export function startChild(opts: { name: string; src: string; args: string[]; command?: string; env: Record<string, string | undefined>; log: (line: string) => void; lineChars?: number }): Child {
  // Unset means unset: the child gets the setting's default even if this process has it.
  const env: Record<string, string | undefined> = { ...process.env }
  for (const [k, v] of Object.entries(opts.env)) {
    if (v === undefined) delete env[k]
    else env[k] = v
  }
  const compiled = process.env.MAGPIE_BENCH_TSX !== '1' && existsSync(path.join(opts.src, 'scripts/build'))
  const stdio: ['ignore', 'pipe', 'pipe'] = ['ignore', 'pipe', 'pipe']
  const child: ChildProcess = opts.command
    ? spawn(opts.command, { cwd: opts.src, env, shell: true, detached: true, stdio })
    : compiled
      ? spawn(path.join(opts.src, 'scripts/magpie'), opts.args, { cwd: opts.src, env: { ...env, MAGPIE_SKIP_DEPS: '1' }, detached: true, stdio })
      : spawn(process.execPath, ['--import', 'tsx', path.join(opts.src, 'src/cli/main.ts'), ...opts.args], { cwd: opts.src, env, detached: true, stdio })
  const pid = child.pid
  if (pid === undefined) throw new Error(`${opts.name}: could not start`)
  let done = false
  const exitedPromise = new Promise<void>((resolve) => child.once('exit', (code, signal) => {
    done = true
    opts.log(`[${opts.name}] exited (${code ?? signal})`)
    resolve()
  }))
  // Its output is passed on, a few lines at most per second: a failing child should be heard,
  // a chatty one should not flood the report.
  let budget = 20
  const refill = setInterval(() => (budget = 20), 1000)
  refill.unref()
  for (const stream of [child.stdout!, child.stderr!]) {
    let partial = ''
    stream.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n')
      partial = lines.pop() ?? ''
      for (const line of lines) if (line.trim() && budget-- > 0) opts.log(`[${opts.name}] ${line.slice(0, opts.lineChars ?? 500)}`)
    })
  }
  return {
    name: opts.name,
    pid,
    cpuMs: () => processTreeCpuMs(pid),
    exited: () => done,
    async stop() {
      clearInterval(refill)
      if (done) return
      // The whole group: a shell's children too.
      process.kill(-pid, 'SIGTERM')
      const killed = await Promise.race([exitedPromise.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 15_000))])
      if (!killed && !done) {
        process.kill(-pid, 'SIGKILL')
        await exitedPromise
      }
    },
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

/** Until `url` answers 200, or the child exits, or `timeoutMs` pass. */
export async function waitHealthy(url: string, child: Child, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exited()) throw new Error(`${child.name} exited before answering ${url}`)
    try {
      const res = await fetch(url)
      await res.arrayBuffer()
      if (res.status === 200) return
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  throw new Error(`${child.name} did not answer ${url} within ${timeoutMs} ms`)
}

/**
 * The environment of the server and ingest children: the corpus's prefix, the loopback identity
 * services, trusted ingest from the replay relay (when there is one), quiet logs, the read cache
 * at its default.
 */
export function magpieEnv(o: { opensearchUrl: string; prefix: string; identity: IdentityServices; serviceDid: string; port: number; relayUrl?: string }): Record<string, string | undefined> {
  return {
    OPENSEARCH_URL: o.opensearchUrl,
    INDEX_PREFIX: o.prefix,
    PLC_URL: o.identity.plcUrl,
    HANDLE_RESOLVER_URL: o.identity.handleResolverUrl,
    HANDLE_RESOLUTION: 'xrpc',
    ALLOW_PRIVATE_NETWORK: 'true',
    SERVICE_DID: o.serviceDid,
    HOST: '127.0.0.1',
    PORT: String(o.port),
    LOG_LEVEL: 'warn',
    READ_CACHE_MS: undefined,
    RELAY_URL: o.relayUrl || undefined,
    VERIFY_COMMITS: 'false',
  }
}
