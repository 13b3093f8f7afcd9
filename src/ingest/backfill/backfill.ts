import type { Client } from '@opensearch-project/opensearch'
import PQueue from 'p-queue'
import type { SafeFetch } from '#/identity/safe-fetch.js'
import { BulkWriter, type BulkOp } from '#/indexing/bulk-writer.js'
import { actorAccountOp, actorSeenOp } from '#/indexing/operations.js'
import { reportSkipped } from '#/ingest/commit-ops.js'
import type { LivePriority } from '#/ingest/live-priority.js'
import type { Logger } from '#/log.js'
import { backfillRecords, backfillRepos, recordOps } from '#/metrics.js'
import { BackfillProgress } from '#/ingest/backfill/progress.js'
import { fetchRepoCar, type RepoFetchResult } from '#/ingest/backfill/repo-fetch.js'
import { listRepos, type ListedRepo } from '#/ingest/backfill/repo-list.js'
import type { RepoProcessor } from '#/ingest/backfill/repo-processor.js'
import { RepoStateStore, type RepoState } from '#/store/repo-state.js'
import { taskOps } from '#/ingest/backfill/repo-worker.js'
import { inShard, shardName, type BackfillShard } from '#/ingest/backfill/shard.js'

export interface BackfillOptions {
  client: Client
  log: Logger
  prefix: string
  /** Relays or PDSes to list repos from (http(s) origins). */
  hosts?: string[]
  /** DIDs to backfill, named explicitly. */
  repos?: string[]
  resolveDid(did: string): Promise<{ pds?: string; signingKey?: string } | null>
  /** For getRepo on PDS hosts named by DID documents (address-checked unless the network is private). */
  repoFetch: SafeFetch
  /** For listRepos on the operator's configured hosts. */
  listFetch: SafeFetch
  processor: RepoProcessor
  /** Repos in flight at once (fetching, parsing or writing). */
  concurrency: number
  /** getRepo requests in flight per host. */
  perHost: number
  /** Attempts per repo within one run for transient failures. */
  maxAttempts: number
  fetchTimeoutMs: number
  maxRepoBytes: number
  /** Redo repos an earlier run finished. */
  force?: boolean
  flushBytes: number
  flushMs: number
  maxInFlight: number
  signal?: AbortSignal
  /** Told about every backfilled DID, so actors get verified handles. */
  noticeDid?: (did: string) => void
  priority?: LivePriority
  progress?: BackfillProgress
  /** A small world: which listed repos to backfill at all (backfill/world-filters.ts); unset takes every one. */
  acceptRepo?: (repo: ListedRepo | { did: string }) => boolean | Promise<boolean>
  /** A small world: which records of a backfilled repo to write; unset writes every one. */
  keepRecord?: (did: string, collection: string, rkey: string) => boolean
  /** Only the repos whose DID hashes to this shard (backfill/shard.ts); the others are passed over, not counted. */
  shard?: BackfillShard
}

export interface BackfillSummary {
  done: number
  failed: number
  unavailable: number
  skipped: number
  records: number
  stale: number
  rejected: number
  seconds: number
  /** The shard this run covered (`i/n`), when it was one of several. */
  shard?: string
}

const RETRY_BASE_MS = 1000
const STATE_FLUSH_MS = 1000
/** Listed repos waiting for their turn, at most: a few MB of queue. */
const LISTING_AHEAD = 20_000
/** Writes handed to the bulk writer at a time by one repo. */
const ADD_SLICE = 2000

/**
 * Backfill: list repos → resolve each DID to its PDS → getRepo (bounded per host and in
 * total) → parse and transform on worker threads → the bulk writer. A repo is recorded as
 * done only once OpenSearch acknowledged every write of its snapshot, so a killed run resumes
 * with the repos it had not finished; re-running is idempotent because every write carries
 * the snapshot's revision as external version.
 */
export async function runBackfill(opts: BackfillOptions): Promise<BackfillSummary> {
  const { log, prefix } = opts
  const progress = opts.progress ?? new BackfillProgress()
  const states = new RepoStateStore(opts.client, prefix)

  let stateBuffer: [string, RepoState][] = []
  // A finished repo's state rides its checkpoint: recorded once the writes before it are acknowledged.
  const writer = new BulkWriter<[string, RepoState][]>({
    client: opts.client,
    log: log.child({ component: 'bulk' }),
    flushBytes: opts.flushBytes,
    flushMs: opts.flushMs,
    maxInFlight: opts.maxInFlight,
    mergeCheckpoints: (a, b) => a.concat(b),
    onCheckpoint: (done) => {
      // Which process did which repo, for whoever has to find out (several shards share one index).
      if (log.isLevelEnabled('debug')) for (const [did, state] of done) log.debug({ did, records: state.records }, 'repo backfilled')
      stateBuffer.push(...done)
      progress.done += done.length
      backfillRepos.inc({ outcome: 'done' }, done.length)
    },
  })
  const flushStates = async (): Promise<void> => {
    const batch = stateBuffer
    stateBuffer = []
    try {
      await states.putMany(batch)
    } catch (err) {
      // Not recording a finished repo only means a later run redoes it.
      log.error({ err, repos: batch.length }, 'saving backfill progress failed')
    }
  }
  const stateTimer = setInterval(() => void flushStates(), STATE_FLUSH_MS)

  const pipeline = new PQueue({ concurrency: opts.concurrency })
  // A stopped run drops what it had not started; those repos are simply not done yet.
  opts.signal?.addEventListener('abort', () => pipeline.clear(), { once: true })
  const hosts = new Map<string, PQueue>()
  const hostQueue = (origin: string): PQueue => {
    let q = hosts.get(origin)
    if (!q) hosts.set(origin, (q = new PQueue({ concurrency: opts.perHost })))
    return q
  }
  let retriesWaiting = 0

  /** A repo's outcome other than done: recorded now (nothing of it is pending in the writer). */
  const settle = (did: string, state: RepoState, outcome: 'failed' | 'unavailable'): void => {
    progress[outcome]++
    backfillRepos.inc({ outcome })
    stateBuffer.push([did, state])
  }

  const backfillRepo = async (repo: ListedRepo | { did: string; host?: string }, prior: RepoState | undefined, attempt: number): Promise<void> => {
    const { did } = repo
    const at = new Date().toISOString()
    const fail = (reason: string, kind: 'transient' | 'failed', retryAfterMs?: number): void => {
      if (kind === 'transient' && attempt < opts.maxAttempts && !opts.signal?.aborted) {
        const waitMs = retryAfterMs ?? RETRY_BASE_MS * 2 ** (attempt - 1) * (0.5 + Math.random())
        log.warn({ did, attempt, waitMs: Math.round(waitMs), reason }, 'repo fetch failed; will retry')
        retriesWaiting++
        setTimeout(() => {
          retriesWaiting--
          void pipeline.add(() => backfillRepo(repo, prior, attempt + 1))
        }, waitMs)
        return
      }
      log.warn({ did, attempt, reason }, 'repo not backfilled')
      settle(did, { status: 'failed', reason, attempts: (prior?.status === 'failed' ? (prior.attempts ?? 0) : 0) + 1, at }, 'failed')
    }

    if ('active' in repo && !repo.active) {
      markUnavailable(did, repo.status ?? 'inactive', `listed by ${repo.host} as ${repo.status ?? 'inactive'}`)
      return
    }
    const doc = await opts.resolveDid(did)
    if (!doc) return fail('the DID document could not be resolved', 'transient')
    const pds = doc.pds ?? repo.host
    if (!pds) return fail('the DID document names no PDS', 'failed')
    let origin: string
    try {
      origin = new URL(pds).origin
    } catch {
      return fail(`the DID document's PDS endpoint ${JSON.stringify(pds).slice(0, 200)} is not a URL`, 'failed')
    }

    const host = hostQueue(origin)
    const fetched = (await host.add(() =>
      fetchRepoCar(opts.repoFetch, origin, did, { timeoutMs: opts.fetchTimeoutMs, maxBytes: opts.maxRepoBytes }),
    )) as RepoFetchResult
    if (!fetched.ok) {
      if (fetched.retryAfterMs !== undefined) pauseHost(host, origin, fetched.retryAfterMs)
      if (fetched.kind === 'unavailable') return markUnavailable(did, fetched.accountStatus ?? 'unavailable', fetched.reason)
      return fail(fetched.reason, fetched.kind, fetched.retryAfterMs)
    }
    progress.bytes += fetched.car.byteLength

    const result = await opts.processor.run({ did, car: fetched.car, signingKey: doc.signingKey, prefix, indexedAt: at })
    if (!result.ok) return fail(result.reason, 'failed')
    for (const skipped of result.skipped) reportSkipped(log, skipped)
    if (result.badKeys.length > 0) log.warn({ did, keys: result.badKeys.slice(0, 10), count: result.badKeys.length }, 'repo has MST keys that are not record paths')
    for (const [collection, n] of Object.entries(result.written)) recordOps.inc({ collection, action: 'create' }, n)

    // Added in slices, each only when the writer has room (and live ingest is not held up):
    // sixteen large repos handed over at once would otherwise queue hundreds of MB.
    const ops = opts.keepRecord ? keptOps(taskOps(result), opts.keepRecord) : taskOps(result)
    // The account exists from its first record on, verified or not (its handle is checked beside).
    writer.add(actorSeenOp(prefix, did))
    for (let i = 0; i < ops.length || i === 0; i += ADD_SLICE) {
      for (let wait = writer.ready() ?? opts.priority?.liveBusy(); wait; wait = writer.ready() ?? opts.priority?.liveBusy()) await wait
      for (const op of ops.slice(i, i + ADD_SLICE)) writer.add(op)
    }
    progress.records += ops.length
    backfillRecords.inc(ops.length)
    writer.checkpoint([[did, { status: 'done', rev: result.rev, commit: result.commit, records: result.records, at }]])
    opts.noticeDid?.(did)
  }

  const markUnavailable = (did: string, status: string, reason: string): void => {
    log.info({ did, status, reason }, 'repo unavailable')
    const at = new Date().toISOString()
    // The host's answer is the account's status now: hide its content like an #account event would.
    writer.add(actorAccountOp(prefix, did, Date.parse(at), { active: false, status }))
    settle(did, { status: 'unavailable', reason, at }, 'unavailable')
  }

  const pauseHost = (host: PQueue, origin: string, ms: number): void => {
    if (host.isPaused) return
    log.warn({ host: origin, waitMs: ms }, 'host asked us to slow down; pausing its fetches')
    host.pause()
    setTimeout(() => host.start(), ms).unref()
  }

  const candidates = async function* (): AsyncGenerator<(ListedRepo | { did: string })[]> {
    if (opts.repos?.length) {
      for (let i = 0; i < opts.repos.length; i += 500) yield opts.repos.slice(i, i + 500).map((did) => ({ did }))
    }
    for (const host of opts.hosts ?? []) {
      try {
        for await (const page of listRepos(opts.listFetch, host, log, opts.signal)) yield page
      } catch (err) {
        log.error({ host, err: err instanceof Error ? err.message : String(err) }, 'listing repos failed; other hosts go on')
      }
    }
  }

  // One listing never repeats a DID; only several sources can, and only then is a set kept
  // (a whole relay's listing is tens of millions of DIDs).
  const sources = (opts.hosts?.length ?? 0) + (opts.repos?.length ? 1 : 0)
  const seen = sources > 1 ? new Set<string>() : undefined
  const named = new Set(opts.repos ?? [])
  try {
    for await (const listed of candidates()) {
      if (opts.signal?.aborted) break
      // Before anything else, state lookups included: the other shards' repos are theirs alone.
      const page = opts.shard ? listed.filter((r) => inShard(r.did, opts.shard)) : listed
      const known = await states.getMany(page.map((r) => r.did))
      for (const repo of page) {
        if (seen?.has(repo.did)) continue
        seen?.add(repo.did)
        if (opts.acceptRepo && !(await opts.acceptRepo(repo))) continue
        const prior = known.get(repo.did)
        if (!opts.force && alreadyHandled(repo, prior, named.has(repo.did))) {
          progress.skipped++
          backfillRepos.inc({ outcome: 'skipped' })
          continue
        }
        progress.total++
        // The listing runs ahead (so totals and the ETA are known early) but boundedly.
        await pipeline.onSizeLessThan(LISTING_AHEAD)
        if (opts.signal?.aborted) break
        void pipeline.add(() => backfillRepo(repo, prior, 1)).catch((err) => {
          log.error({ did: repo.did, err }, 'backfilling a repo failed unexpectedly')
          settle(repo.did, { status: 'failed', reason: String(err), at: new Date().toISOString() }, 'failed')
        })
      }
    }
    progress.listingDone = true
    while (pipeline.size > 0 || pipeline.pending > 0 || retriesWaiting > 0) {
      if (pipeline.size > 0 || pipeline.pending > 0) await pipeline.onIdle()
      else await new Promise((r) => setTimeout(r, 50))
    }
  } finally {
    await writer.close()
    clearInterval(stateTimer)
    await flushStates()
  }
  const figures = progress.snapshot()
  const summary: BackfillSummary = {
    done: progress.done,
    failed: progress.failed,
    unavailable: progress.unavailable,
    skipped: progress.skipped,
    records: progress.records,
    stale: writer.stats.stale,
    rejected: writer.stats.rejected,
    seconds: figures.seconds,
    ...(opts.shard ? { shard: shardName(opts.shard) } : {}),
  }
  log.info(summary, 'backfill finished')
  return summary
}

/** The writes whose record (named by the op's AT URI id) `keep` accepts. */
function keptOps(ops: BulkOp[], keep: NonNullable<BackfillOptions['keepRecord']>): BulkOp[] {
  return ops.filter((op) => {
    const [did = '', collection = '', rkey = ''] = op.ref.slice('at://'.length).split('/')
    return keep(did, collection, rkey)
  })
}

/**
 * Whether an earlier run already dealt with a repo. Done repos are redone only when the
 * listing shows a newer revision; unavailable ones when the listing shows them active again
 * or the operator names them; failed ones always get another attempt.
 */
function alreadyHandled(repo: ListedRepo | { did: string }, prior: RepoState | undefined, named: boolean): boolean {
  if (!prior) return false
  const listedRev = 'rev' in repo ? repo.rev : undefined
  if (prior.status === 'done') return !listedRev || !prior.rev || listedRev <= prior.rev
  if (prior.status === 'unavailable') return !named && (!('active' in repo) || !repo.active)
  return false
}
