import { availableParallelism } from 'node:os'
import type { Client } from '@opensearch-project/opensearch'
import type { Config } from '#/config/env.js'
import { identityResolverFromConfig } from '#/identity/identity-resolver.js'
import { CommitVerifier } from '#/ingest/commit-verifier.js'
import { createCommitChecker } from '#/ingest/commit-checker.js'
import { signingKeyCache } from '#/ingest/signing-keys.js'
import { identityWorkerFromConfig } from '#/ingest/identity-worker.js'
import { runLiveIngest, type LiveIngestSummary } from '#/ingest/live-ingest.js'
import type { LivePriority } from '#/ingest/live-priority.js'
import type { Logger } from '#/log.js'
import { startBackfill } from '#/ingest/backfill/start.js'
import { pdsHostOf } from '#/world/filter.js'
import { WorldKeeper } from '#/world/keeper.js'
import { createSharedCache, type SharedCache } from '#/store/shared-cache.js'

export interface IngestRun {
  service: string
  cursor?: number
  exitWhenIdleSec?: number
  signal?: AbortSignal
  priority?: LivePriority
}

/** Live ingest with its collaborators built from configuration. */
export async function startLiveIngest(config: Config, client: Client, log: Logger, run: IngestRun): Promise<LiveIngestSummary> {
  const resolver = identityResolverFromConfig(config, log.child({ component: 'identity' }))
  const identity = identityWorkerFromConfig(config, resolver, log)
  const keyCache = createSharedCache({ redisUrl: config.REDIS_URL, namespace: `${config.INDEX_PREFIX}signing-key:`, localMax: 500_000, metric: 'signing_keys' })
  const verifier = config.VERIFY_COMMITS ? new CommitVerifier(signingKeyCache(resolver, keyCache), createCommitChecker(config.VERIFY_THREADS ?? defaultVerifyThreads())) : undefined
  try {
    const world = worldKeeperFor(config, client, log, run, (did) => resolver.resolveDid(did))
    await world.start()
    const pending = await identity.resumePending(client)
    if (pending > 0) log.info({ pending }, 'resuming identity verifications left by the previous run')
    return await runLiveIngest({
    client,
    log: log.child({ component: 'ingest' }),
    prefix: config.INDEX_PREFIX,
    service: run.service,
    cursor: run.cursor,
    exitWhenIdleSec: run.exitWhenIdleSec,
    signal: run.signal,
    priority: run.priority,
    identity,
    verifier,
    flushBytes: config.BULK_FLUSH_BYTES,
    flushMs: config.BULK_FLUSH_MS,
    maxInFlight: config.BULK_MAX_IN_FLIGHT,
    world,
    }).finally(() => world.stop())
  } finally {
    await verifier?.close()
    await keyCache.close()
    await resolver.close()
  }
}

/**
 * The small world beside a live ingest: it keeps everything while no world is configured, and
 * re-reads the definition every WORLD_POLL_MS, so a world defined later applies without a restart.
 * New members are backfilled in this process, yielding to live events like any backfill here.
 */
function worldKeeperFor(
  config: Config,
  client: Client,
  log: Logger,
  run: IngestRun,
  resolveDid: (did: string) => Promise<{ pds?: string } | null>,
): WorldKeeper {
  return new WorldKeeper({
    client,
    prefix: config.INDEX_PREFIX,
    log: log.child({ component: 'world' }),
    pollMs: config.WORLD_POLL_MS,
    backfill: async ({ repos, keepRecord }) => {
      await startBackfill(config, client, log, { repos, force: true, keepRecord, signal: run.signal, priority: run.priority, tty: false })
    },
    pdsHost: pdsHostOf({ resolveDid }),
  })
}

/** One per core but one: the main thread (stream, records, writes) keeps a core's worth of work. */
function defaultVerifyThreads(): number {
  return Math.max(1, availableParallelism() - 1)
}
