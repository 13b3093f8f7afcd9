import type { Client } from '@opensearch-project/opensearch'
import type { Config } from '#/config/env.js'
import { identityResolverFromConfig } from '#/identity/identity-resolver.js'
import { CommitVerifier, type SigningKeySource } from '#/ingest/commit-verifier.js'
import { identityWorkerFromConfig } from '#/ingest/identity-worker.js'
import { runLiveIngest, type LiveIngestSummary } from '#/ingest/live-ingest.js'
import type { LivePriority } from '#/ingest/live-priority.js'
import type { Logger } from '#/log.js'
import { pdsHostOf, startBackfill } from '#/ingest/backfill/start.js'
import { WorldKeeper } from '#/world/keeper.js'
import { createSharedCache, type SharedCache } from '#/store/shared-cache.js'

/**
 * DID → signing key, kept apart from the DID-document cache: a key is a few dozen bytes, so far
 * more accounts fit, it is shared through Redis when REDIS_URL is set, and a commit from a
 * recently seen account never waits on the PLC. A key that fails a signature is re-resolved
 * (forceRefresh), which also replaces it here.
 */
function signingKeyCache(
  resolver: { resolveDid(did: string, opts?: { forceRefresh?: boolean }): Promise<{ signingKey?: string } | null> },
  cache: SharedCache,
): SigningKeySource {
  return {
    async signingKey(did, opts) {
      if (!opts?.forceRefresh) {
        const cached = await cache.get(did)
        if (cached) return cached
      }
      const key = (await resolver.resolveDid(did, opts))?.signingKey
      if (key) await cache.set(did, key, SIGNING_KEY_TTL_SEC)
      else await cache.delete(did)
      return key
    },
  }
}

const SIGNING_KEY_TTL_SEC = 6 * 3600

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
  const keyCache = createSharedCache({ redisUrl: config.REDIS_URL, namespace: `${config.INDEX_PREFIX}signing-key:`, localMax: 500_000 })
  const verifier = config.VERIFY_COMMITS ? new CommitVerifier(signingKeyCache(resolver, keyCache)) : undefined
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
