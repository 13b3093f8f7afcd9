import type { Client } from '@opensearch-project/opensearch'
import type { Config } from '#/config/env.js'
import { identityResolverFromConfig } from '#/identity/identity-resolver.js'
import { CommitVerifier, type SigningKeySource } from '#/ingest/commit-verifier.js'
import { identityWorkerFromConfig } from '#/ingest/identity-worker.js'
import { runLiveIngest, type LiveIngestSummary } from '#/ingest/live-ingest.js'
import type { LivePriority } from '#/ingest/live-priority.js'
import type { Logger } from '#/log.js'
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
    })
  } finally {
    await keyCache.close()
    await resolver.close()
  }
}
