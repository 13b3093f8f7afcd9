/**
 * What commit verification costs on worker threads: Magpie's CommitVerifier over a cached stream
 * (gen-stream.ts), commits handed over up to `--window` at a time (as live ingest's look-ahead
 * does) and taken back in order, with 0 (the calling thread), 1, 2… workers. No websocket, no
 * OpenSearch: the main thread's CPU per commit (what stays on the stream's thread), the whole
 * process's (workers included) and the rate. Each pool is warmed on `--warm` commits first.
 *
 *   node --import tsx bench/verify-pool.ts [--accounts 1000 --events 120000 --seed 13]
 *     [--limit 20000] [--threads 0,1,2] [--window 512] [--rounds 2]
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { Frame } from '@atproto/xrpc-server'
import { parseDidDoc } from '#/identity/did-resolver.js'
import { createCommitChecker } from '#/ingest/commit-checker.js'
import { CommitVerifier, type CommitMessage } from '#/ingest/commit-verifier.js'
import { loadDidDocs, loadFrames, streamFiles, streamOptions, streamParamsFrom } from './stream-cache.js'

const { values } = parseArgs({
  options: {
    ...streamOptions,
    limit: { type: 'string', default: '20000' },
    warm: { type: 'string', default: '3000' },
    threads: { type: 'string', default: '0,1,2' },
    window: { type: 'string', default: '512' },
    rounds: { type: 'string', default: '2' },
  },
})
const files = streamFiles(streamParamsFrom(values))
const keys = new Map<string, string>()
for (const [did, doc] of Object.entries(loadDidDocs(files.didDocs))) {
  const parsed = parseDidDoc(did, doc)
  if (typeof parsed !== 'string' && parsed.signingKey) keys.set(did, parsed.signingKey)
}
const commits: CommitMessage[] = []
for (const chunk of await loadFrames(files.frames, { count: Number(values.limit) + Number(values.warm) })) {
  const frame = Frame.fromBytes(chunk)
  if (frame.isMessage() && frame.type === '#commit') commits.push(frame.body as unknown as CommitMessage)
}
const warm = commits.slice(0, Number(values.warm))
const timed = commits.slice(Number(values.warm))
const window = Number(values.window)

function mainThreadCpuMs(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100
}

/** Every commit through the verifier, at most `window` outstanding, results taken in order. */
async function run(verifier: CommitVerifier, list: CommitMessage[]): Promise<number> {
  const pending: Promise<unknown>[] = []
  let refused = 0
  const take = async () => {
    const r = (await pending.shift()) as { ok: boolean }
    if (!r.ok) refused++
  }
  for (const msg of list) {
    pending.push(verifier.verify(msg))
    if (pending.length >= window) await take()
  }
  while (pending.length) await take()
  return refused
}

const rows: string[] = []
for (let round = 0; round < Number(values.rounds); round++) {
  for (const threads of values.threads.split(',').map(Number)) {
    const verifier = new CommitVerifier({ signingKey: async (did) => keys.get(did) }, createCommitChecker(threads))
    await run(verifier, warm)
    const cpu0 = process.cpuUsage()
    const main0 = mainThreadCpuMs()
    const t0 = performance.now()
    const refused = await run(verifier, timed)
    const wall = performance.now() - t0
    const main = mainThreadCpuMs() - main0
    const cpu = process.cpuUsage(cpu0)
    await verifier.close()
    const n = timed.length
    const line = {
      bench: 'verify-pool',
      round,
      threads,
      commits: n,
      refused,
      per_s: Math.round(n / (wall / 1000)),
      main_us: Math.round((main * 1000) / n),
      process_us: Math.round((cpu.user + cpu.system) / n),
    }
    console.log(JSON.stringify(line))
    rows.push(`${String(threads).padStart(7)}  ${String(line.per_s).padStart(9)}  ${String(line.main_us).padStart(12)}  ${String(line.process_us).padStart(15)}  ${refused}`)
  }
}
console.log(`\nthreads  commits/s  main µs/commit  process µs/commit  refused\n${rows.join('\n')}`)
