import type { Client } from '@opensearch-project/opensearch'
import { configuredLabelers, type Config } from '#/config/env.js'
import { identityResolverFromConfig } from '#/identity/identity-resolver.js'
import { runLabelerSubscription, type LabelerSubscriptionSummary } from '#/ingest/labels/label-subscriber.js'
import type { Logger } from '#/log.js'

/**
 * Label ingest with its collaborators built from configuration: one subscription per configured
 * labeler (LABELER_DIDS and MOD_SERVICE_DID), side by side, until `signal` aborts. Nothing to do
 * when none is configured.
 */
export async function startLabelIngest(
  config: Config,
  client: Client,
  log: Logger,
  run: { signal?: AbortSignal } = {},
): Promise<LabelerSubscriptionSummary[]> {
  const labelers = configuredLabelers(config)
  if (labelers.length === 0) return []
  const identity = identityResolverFromConfig(config, log.child({ component: 'identity' }))
  try {
    return await Promise.all(
      labelers.map((labeler) =>
        runLabelerSubscription({
          client,
          log: log.child({ component: 'labels', labeler }),
          prefix: config.INDEX_PREFIX,
          labeler,
          identity,
          allowPrivateNetwork: config.ALLOW_PRIVATE_NETWORK,
          verifySignatures: config.VERIFY_LABELS,
          signal: run.signal,
          flushBytes: config.BULK_FLUSH_BYTES,
          flushMs: config.BULK_FLUSH_MS,
          maxInFlight: config.BULK_MAX_IN_FLIGHT,
        }),
      ),
    )
  } finally {
    await identity.close()
  }
}
