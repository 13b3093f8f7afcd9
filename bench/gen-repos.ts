/**
 * Generates a corpus of realistic, valid, signed repos — what a backfill downloads with
 * com.atproto.sync.getRepo — and caches it (see repo-corpus.ts for the files).
 *
 *   node --import tsx bench/gen-repos.ts [--records 5000000] [--repos N] [--seed 1] [--p256 0.1]
 *     [--order pds|walk] [--workers 2] [--verify 4] [--force]
 *
 * What it models: lognormal repo sizes (many small repos, a few of up to 50,000 records), a
 * record mix close to the network's (likes ~45%, posts ~20%, follows ~15%, reposts ~12%, the
 * rest profiles, blocks, lists, list items, gates, feed generators, starter packs and a
 * third-party lexicon), TID record keys from account lifetimes spread over 2023–2026, post
 * text of realistic lengths in several languages, and subjects that point at other generated
 * repos' records with their real CIDs. Each repo is one v3 commit over an @atproto/repo MST,
 * signed with the account's key (secp256k1, a share P-256).
 *
 * The main thread makes the records; worker threads build the MSTs, sign and write the CARs.
 */
import { createHash } from 'node:crypto'
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { Worker } from 'node:worker_threads'
import { familyForCollection } from '#/indexing/families.js'
import { makeRng } from '#devnet/rng.js'
import { plcDid, tid } from './atproto-primitives.js'
import { handleFor } from './record-content.js'
import type { FromBuilder, RepoJob, ToBuilder } from './repo-builder.js'
import {
  REPOS_GEN_VERSION, corpusDir, corpusExists, corpusOptions, corpusParamsFrom,
  type CorpusRepo, type RepoCorpusManifest, type RepoCorpusParams,
} from './repo-corpus.js'
import { accountStart, collectionCounts, repoSizes } from './repo-plan.js'
import { CorpusRecords, type Account } from './repo-records.js'

/** The corpus's "now": record times end here (or a day ago, on a machine whose clock is earlier). */
const END_MS = Math.min(Date.parse('2026-11-01T00:00:00Z'), Date.now() - 86_400_000)
/** Records queued per worker before the main thread waits: bounds memory. */
const QUEUE_RECORDS = 300_000

export interface GenerateReposOptions {
  /** Output directory (default: the cache directory named by the parameters). */
  dir?: string
  workers?: number
  force?: boolean
  /** Repos to check with @atproto/repo's verifier afterwards: the largest, then random ones. */
  verify?: number
  log?: (line: string) => void
}

/** Generates the corpus unless it is cached; returns its directory. */
export async function generateRepos (params: RepoCorpusParams, opts: GenerateReposOptions = {}): Promise<string> {
  const dir = opts.dir ?? corpusDir(params)
  const log = opts.log ?? ((s: string) => process.stderr.write(`${s}\n`))
  if (!opts.force && corpusExists(dir)) {
    log(`cached: ${dir}`)
    return dir
  }
  const started = performance.now()
  const tmp = `${dir}.tmp-${process.pid}`
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(path.join(tmp, 'cars'), { recursive: true })
  const rng = makeRng(params.seed * 104_729 + 3)

  const sizes = repoSizes(rng, params.records, params.repos)
  const accounts: Account[] = sizes.map((size, idx) => ({
    idx,
    did: plcDid(`magpie-repos:${params.seed}:${idx}`),
    handle: handleFor(rng, idx),
    alg: rng.next() < params.p256Share ? 'ES256' : 'ES256K',
    clock: rng.int(1024),
    startMs: accountStart(rng, END_MS),
    counts: collectionCounts(rng, size),
  }))
  log(`corpus ${path.basename(dir)}: ${accounts.length} repos, ${params.records} records, largest ${Math.max(...sizes)}`)

  const records = new CorpusRecords(rng, accounts, END_MS, params.seed)
  records.planReferenced()
  log(`posts, lists and feeds planned in ${secondsSince(started)} s`)

  const pool = startBuilders(opts.workers ?? 2, log)
  const built: CorpusRepo[] = new Array(accounts.length)
  let mstNodes = 0
  let lastLog = performance.now()
  let recordsDone = 0
  pool.onBuilt = (repo, job) => {
    built[repo.idx] = { ...built[repo.idx]!, head: repo.head, signingKey: repo.signingKey, bytes: repo.bytes }
    mstNodes += repo.mstNodes
    recordsDone += job.keys.length
    if (performance.now() - lastLog > 10_000) {
      lastLog = performance.now()
      const secs = (performance.now() - started) / 1000
      log(`  ${recordsDone}/${params.records} records in repos (${secs.toFixed(0)} s, ${Math.round(recordsDone / secs)} records/s)`)
    }
  }

  for (const a of accounts) {
    const made = records.recordsOf(a)
    const byCollection: Record<string, number> = {}
    for (const key of made.keys) {
      const collection = key.slice(0, key.indexOf('/'))
      byCollection[collection] = (byCollection[collection] ?? 0) + 1
    }
    // The commit comes a little after the newest record (never after the corpus's end).
    const revMicros = Math.min(END_MS * 1000, Math.max(made.newestMicros, a.startMs * 1000) + rng.int(3_600_000_000))
    const rev = tid(revMicros, a.clock)
    const file = `cars/${a.idx}.car`
    built[a.idx] = { did: a.did, handle: a.handle, signingKey: '', rev, head: '', file, bytes: 0, records: made.keys.length, byCollection }
    const ends = new Uint32Array(made.bytes.length)
    let total = 0
    for (const [i, b] of made.bytes.entries()) ends[i] = total += b.byteLength
    const data = new Uint8Array(total)
    for (const [i, b] of made.bytes.entries()) data.set(b, i === 0 ? 0 : ends[i - 1]!)
    const keySeed = createHash('sha256').update(`magpie-repos-key:${params.seed}:${a.idx}`).digest()
    await pool.submit({ idx: a.idx, did: a.did, alg: a.alg, keySeed, rev, file: path.join(tmp, file), blockOrder: params.blockOrder, keys: made.keys, data, ends })
  }
  await pool.drain()
  const buildSec = secondsSince(started)
  log(`${accounts.length} repos built in ${buildSec} s (${Math.round(params.records / buildSec)} records/s)`)

  // Check a few finished CARs end to end with @atproto/repo's verifier.
  const toVerify = pickForVerification(built, opts.verify ?? 4, rng)
  const problems = await pool.verifyAll(toVerify.map((r) => ({ file: path.join(tmp, r.file), did: r.did, signingKey: r.signingKey, byCollection: r.byCollection })))
  await pool.close()
  if (problems.length > 0) throw new Error(`generated repos do not verify:\n${problems.join('\n')}`)
  log(`verified ${toVerify.length} repos with verifyRepoCar (largest: ${toVerify[0]?.records ?? 0} records)`)

  const manifest: RepoCorpusManifest = {
    version: REPOS_GEN_VERSION,
    params,
    generatedAt: new Date().toISOString(),
    generationSec: secondsSince(started),
    workers: opts.workers ?? 2,
    totals: totalsOf(built, mstNodes),
    samples: {
      ...records.samples(),
      busiestFollowers: [...built].sort((a, b) => follows(b) - follows(a)).slice(0, 20).map((r) => r.did),
    },
    repos: built,
  }
  writeFileSync(path.join(tmp, 'manifest.json'), JSON.stringify(manifest))
  rmSync(dir, { recursive: true, force: true })
  renameSync(tmp, dir)
  log(`wrote ${manifest.totals.repos} repos, ${manifest.totals.records} records, ${(manifest.totals.carBytes / 1e6).toFixed(1)} MB of CARs in ${manifest.generationSec} s: ${dir}`)
  log(`records by collection: ${JSON.stringify(manifest.totals.byCollection)}`)
  return dir
}

const follows = (r: CorpusRepo): number => r.byCollection['app.bsky.graph.follow'] ?? 0

function totalsOf (repos: CorpusRepo[], mstNodes: number): RepoCorpusManifest['totals'] {
  const byCollection: Record<string, number> = {}
  const byIndex: Record<string, number> = {}
  let records = 0
  let carBytes = 0
  for (const r of repos) {
    records += r.records
    carBytes += r.bytes
    for (const [c, n] of Object.entries(r.byCollection)) {
      byCollection[c] = (byCollection[c] ?? 0) + n
      const index = familyForCollection(c).index
      byIndex[index] = (byIndex[index] ?? 0) + n
    }
  }
  const sizes = repos.map((r) => r.records).sort((a, b) => a - b)
  return {
    repos: repos.length,
    records,
    carBytes,
    mstNodes,
    byCollection: Object.fromEntries(Object.entries(byCollection).sort((a, b) => b[1] - a[1])),
    byIndex: Object.fromEntries(Object.entries(byIndex).sort((a, b) => b[1] - a[1])),
    largestRepo: sizes[sizes.length - 1] ?? 0,
    medianRepo: sizes[Math.floor(sizes.length / 2)] ?? 0,
  }
}

function pickForVerification (repos: CorpusRepo[], n: number, rng: ReturnType<typeof makeRng>): CorpusRepo[] {
  if (n <= 0 || repos.length === 0) return []
  const largest = repos.reduce((a, b) => (b.records > a.records ? b : a))
  const picked = new Set([largest])
  for (let tries = 0; picked.size < Math.min(n, repos.length) && tries < n * 10; tries++) picked.add(rng.pick(repos))
  return [...picked]
}

interface BuilderPool {
  onBuilt: (repo: Extract<FromBuilder, { kind: 'built' }>['repo'], job: RepoJob) => void
  /** Queues a repo; waits while every worker has a full queue. */
  submit(job: RepoJob): Promise<void>
  drain(): Promise<void>
  verifyAll(jobs: Extract<ToBuilder, { kind: 'verify' }>['job'][]): Promise<string[]>
  close(): Promise<void>
}

function startBuilders (count: number, log: (line: string) => void): BuilderPool {
  const workers = Array.from({ length: Math.max(1, count) }, () => ({
    worker: new Worker(new URL('./repo-builder.ts', import.meta.url), {
      workerData: { role: 'repo-builder' },
      // MST building makes short-lived garbage at a high rate: a larger young generation halves GC time.
      resourceLimits: { maxYoungGenerationSizeMb: 96 },
    }),
    queued: [] as RepoJob[],
    queuedRecords: 0,
    verifying: [] as ((problem: string | undefined) => void)[],
  }))
  let wake: (() => void) | undefined
  let failure: Error | undefined
  const pool: BuilderPool = {
    onBuilt: () => {},
    async submit (job) {
      for (;;) {
        if (failure) throw failure
        const w = workers.reduce((a, b) => (b.queuedRecords < a.queuedRecords ? b : a))
        if (w.queuedRecords === 0 || w.queuedRecords + job.keys.length <= QUEUE_RECORDS) {
          w.queued.push(job)
          w.queuedRecords += job.keys.length
          // The record bytes move to the worker; the main thread no longer needs them.
          w.worker.postMessage({ kind: 'build', job } satisfies ToBuilder, [job.data.buffer as ArrayBuffer])
          return
        }
        await new Promise<void>((resolve) => { wake = resolve })
      }
    },
    async drain () {
      while (workers.some((w) => w.queued.length > 0)) {
        if (failure) throw failure
        await new Promise<void>((resolve) => { wake = resolve })
      }
      if (failure) throw failure
    },
    async verifyAll (jobs) {
      const results = await Promise.all(jobs.map((job, i) => {
        const w = workers[i % workers.length]!
        return new Promise<string | undefined>((resolve) => {
          w.verifying.push(resolve)
          w.worker.postMessage({ kind: 'verify', job } satisfies ToBuilder)
        })
      }))
      if (failure) throw failure
      return results.filter((p): p is string => p !== undefined)
    },
    async close () {
      await Promise.all(workers.map((w) => w.worker.terminate()))
    },
  }
  for (const [n, w] of workers.entries()) {
    w.worker.on('message', (msg: FromBuilder) => {
      if (msg.kind === 'built') {
        const job = w.queued.shift()!
        w.queuedRecords -= job.keys.length
        pool.onBuilt(msg.repo, job)
      } else if (msg.kind === 'verified') {
        w.verifying.shift()?.(msg.problem)
      } else {
        failure = new Error(`repo builder ${n} failed: ${msg.message}`)
        for (const resolve of w.verifying.splice(0)) resolve(failure.message)
      }
      wake?.()
    })
    w.worker.on('error', (err) => {
      log(`repo builder ${n} crashed: ${err.stack ?? err}`)
      failure = err
      for (const resolve of w.verifying.splice(0)) resolve(err.message)
      wake?.()
    })
  }
  return pool
}

function secondsSince (t: number): number {
  return Math.round((performance.now() - t) / 100) / 10
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const { values } = parseArgs({
    options: {
      ...corpusOptions,
      workers: { type: 'string', default: '2' },
      verify: { type: 'string', default: '4' },
      force: { type: 'boolean', default: false },
    },
  })
  generateRepos(corpusParamsFrom(values), { workers: Number(values.workers), verify: Number(values.verify), force: values.force })
    .then((dir) => process.stdout.write(`${dir}\n`))
    .catch((err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
      process.exit(1)
    })
}
