import type { Client } from '@opensearch-project/opensearch'
import type { Config } from '#/config/env.js'
import { identityResolverFromConfig } from '#/identity/identity-resolver.js'
import { createSafeFetch } from '#/identity/safe-fetch.js'
import { BulkWriter } from '#/indexing/bulk-writer.js'
import { identityWorkerFromConfig } from '#/ingest/identity-worker.js'
import type { LivePriority } from '#/ingest/live-priority.js'
import type { Logger } from '#/log.js'
import { runBackfill, type BackfillOptions, type BackfillSummary } from '#/ingest/backfill/backfill.js'
import { BackfillProgress, reportProgress } from '#/ingest/backfill/progress.js'
import type { RepoLimits } from '#/ingest/backfill/repo-car.js'
import { createRepoProcessor } from '#/ingest/backfill/repo-processor.js'
import type { BackfillShard } from '#/ingest/backfill/shard.js'
import { worldBackfillFilters, type WorldBackfill } from '#/ingest/backfill/world-filters.js'
import { pdsHostOf } from '#/world/filter.js'

export interface BackfillRun {
  hosts?: string[]
  repos?: string[]
  force?: boolean
  signal?: AbortSignal
  priority?: LivePriority
  /** Show a progress bar (default: when stderr is a terminal). */
  tty?: boolean
  /**
   * Within the stored small world, if one is configured: only its repos and records. With no
   * host selectors and no repos named, its members are backfilled by DID instead of listing hosts.
   */
  world?: boolean
  /** A small world's filters (backfill/world-filters.ts). */
  acceptRepo?: BackfillOptions['acceptRepo']
  keepRecord?: BackfillOptions['keepRecord']
  /** One of several backfill processes: only the repos whose DID hashes to it (backfill/shard.ts). */
  shard?: BackfillShard
}

/** A backfill with its collaborators built from configuration. */
export async function startBackfill(config: Config, client: Client, log: Logger, run: BackfillRun): Promise<BackfillSummary> {
  const blog = log.child({ component: 'backfill' })
  const resolver = identityResolverFromConfig(config, blog)
  const identity = identityWorkerFromConfig(config, resolver, blog)
  // Handles are verified beside the backfill and written through a writer of their own.
  const identityWriter = new BulkWriter<number>({
    client,
    log: blog.child({ component: 'bulk' }),
    flushBytes: config.BULK_FLUSH_BYTES,
    flushMs: config.BULK_FLUSH_MS,
    maxInFlight: 1,
  })
  identity.attach(identityWriter)
  // PDS endpoints come from DID documents, i.e. from the network: address-checked like any such URL.
  const repoFetch = createSafeFetch({ allowPrivateNetwork: config.ALLOW_PRIVATE_NETWORK, timeoutMs: config.BACKFILL_TIMEOUT_MS, maxRedirects: 0 })
  // The hosts to list are the operator's own choice.
  const listFetch = createSafeFetch({ allowPrivateNetwork: true, timeoutMs: 30_000 })
  const processor = createRepoProcessor({
    threads: config.BACKFILL_THREADS,
    workerHeapMb: config.BACKFILL_WORKER_HEAP_MB,
    limits: repoLimits(config),
  })
  let { hosts, repos, acceptRepo, keepRecord } = run
  const pdsHost = pdsHostOf(resolver)
  let world = run.world ? await worldBackfillFilters(client, config.INDEX_PREFIX, pdsHost) : undefined
  if (world && world.definers.length > 0) world = await definersFirst(config, client, log, run, world, pdsHost)
  if (world) {
    blog.info({ members: world.members.length, definers: world.definers.length, hostSelectors: world.hostSelectors }, 'backfilling the small world only')
    if (!world.hostSelectors && !repos?.length) [hosts, repos] = [[], world.members]
    acceptRepo ??= world.acceptRepo
    keepRecord ??= world.keepRecord
  }
  const progress = new BackfillProgress()
  const stopProgress = reportProgress(progress, blog, { tty: run.tty })
  try {
    return await runBackfill({
      client,
      log: blog,
      prefix: config.INDEX_PREFIX,
      hosts,
      repos,
      force: run.force,
      resolveDid: (did) => resolver.resolveDid(did),
      repoFetch,
      listFetch,
      processor,
      concurrency: config.BACKFILL_CONCURRENCY,
      perHost: config.BACKFILL_PER_HOST,
      maxAttempts: config.BACKFILL_MAX_ATTEMPTS,
      fetchTimeoutMs: config.BACKFILL_TIMEOUT_MS,
      maxRepoBytes: config.BACKFILL_MAX_REPO_BYTES,
      flushBytes: config.BULK_FLUSH_BYTES,
      flushMs: config.BULK_FLUSH_MS,
      maxInFlight: config.BULK_MAX_IN_FLIGHT,
      signal: run.signal,
      noticeDid: (did) => identity.noticeDid(did),
      priority: run.priority,
      progress,
      acceptRepo,
      keepRecord,
      shard: run.shard,
    })
  } finally {
    stopProgress()
    // As live ingest does: the repos' content is served already; what is left undone stays pending.
    await identity.stop()
    await identityWriter.close()
    await processor.close()
    await Promise.all([repoFetch.close(), listFetch.close(), resolver.close()])
  }
}

/**
 * Lists and follows name members only in their owners' repos, which a fresh index does not hold
 * yet: those repos are backfilled first (their defining records), so the pass after them knows
 * every member. A definer they make a member too (an owner on their own list) was fetched for
 * its defining records only, and is fetched again whole.
 *
 * With shards, every shard backfills the definers' defining records (each needs the members
 * before its own pass, and cannot wait on another process; the writes are idempotent and few),
 * and only the definer's own shard fetches it again whole.
 */
async function definersFirst(
  config: Config,
  client: Client,
  log: Logger,
  run: BackfillRun,
  world: WorldBackfill,
  pdsHost: (did: string) => Promise<string | undefined>,
): Promise<WorldBackfill> {
  const pass = { signal: run.signal, priority: run.priority, tty: run.tty }
  log.info({ definers: world.definers.length }, 'small world: backfilling the lists and follows that name members first')
  await startBackfill(config, client, log, { ...pass, force: run.force, repos: world.definers, keepRecord: world.keepRecord })
  // Acknowledged is not yet searchable: the defining records are read back at once.
  await client.indices.refresh({ index: `${config.INDEX_PREFIX}*` }, { ignore: [404] })
  const known = (await worldBackfillFilters(client, config.INDEX_PREFIX, pdsHost)) ?? world
  const wasMember = new Set(world.members)
  const definers = new Set(world.definers)
  const promoted = known.members.filter((did) => definers.has(did) && !wasMember.has(did))
  if (promoted.length > 0) await startBackfill(config, client, log, { ...pass, force: true, repos: promoted, keepRecord: known.keepRecord, shard: run.shard })
  return known
}

/** The bounds a repo is parsed within; blocks default to thrice the records (a repo's MST adds about a third). */
export function repoLimits(config: Config): RepoLimits {
  return { maxRecords: config.BACKFILL_MAX_RECORDS, maxBlocks: config.BACKFILL_MAX_BLOCKS ?? 3 * config.BACKFILL_MAX_RECORDS }
}
