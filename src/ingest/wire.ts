import type { Client } from '@opensearch-project/opensearch'
import type { Config } from '#/config/env.js'
import { createIdentityResolver } from '#/identity/identity-resolver.js'
import { CommitVerifier } from '#/ingest/commit-verifier.js'
import { IdentityWorker } from '#/ingest/identity-worker.js'
import { runLiveIngest, type LiveIngestSummary } from '#/ingest/live-ingest.js'
import type { Logger } from '#/log.js'

export interface IngestRun {
  service: string
  cursor?: number
  exitWhenIdleSec?: number
  signal?: AbortSignal
}

/** Live ingest with its collaborators built from configuration. */
export async function startLiveIngest(config: Config, client: Client, log: Logger, run: IngestRun): Promise<LiveIngestSummary> {
  const resolver = createIdentityResolver({
    plcUrl: config.PLC_URL,
    handleResolverUrl: config.HANDLE_RESOLVER_URL,
    allowPrivateNetwork: config.ALLOW_PRIVATE_NETWORK,
    handleMethods: config.HANDLE_RESOLUTION,
    log: log.child({ component: 'identity' }),
  })
  const identity = new IdentityWorker({ verifier: resolver, prefix: config.INDEX_PREFIX, log: log.child({ component: 'identity' }) })
  const verifier = config.VERIFY_COMMITS
    ? new CommitVerifier({
        signingKey: async (did, opts) => (await resolver.resolveDid(did, opts))?.signingKey,
      })
    : undefined
  const pending = await identity.resumePending(client)
  if (pending > 0) log.info({ pending }, 'resuming identity verifications left by the previous run')
  return runLiveIngest({
    client,
    log: log.child({ component: 'ingest' }),
    prefix: config.INDEX_PREFIX,
    service: run.service,
    cursor: run.cursor,
    exitWhenIdleSec: run.exitWhenIdleSec,
    signal: run.signal,
    identity,
    verifier,
    flushBytes: config.BULK_FLUSH_BYTES,
    flushMs: config.BULK_FLUSH_MS,
    maxInFlight: config.BULK_MAX_IN_FLIGHT,
  })
}
