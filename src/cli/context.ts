import type { Client } from '@opensearch-project/opensearch'
import { loadConfig, type Config } from '#/config/env.js'
import { createLogger, type Logger } from '#/log.js'
import { createOpenSearchClient, waitForCluster } from '#/store/client.js'
import { ensureLocalNode } from '#/store/local-node.js'

export interface Context {
  config: Config
  log: Logger
  client: Client
  opensearchUrl: string
}

/**
 * Configuration, logger and OpenSearch client for a command. With no OPENSEARCH_URL the local
 * node managed by Magpie is used, and started when it is not running.
 */
export async function openContext(overrides: Partial<Record<keyof Config, string | undefined>> = {}): Promise<Context> {
  const config = loadConfig(process.env, overrides)
  const log = createLogger(config.LOG_LEVEL)
  const opensearchUrl = config.OPENSEARCH_URL ?? (await ensureLocalNode({ info: (m) => log.info(m) }))
  const client = createOpenSearchClient(opensearchUrl)
  await waitForCluster(client)
  return { config, log, client, opensearchUrl }
}
