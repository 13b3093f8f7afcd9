import type { Command } from '#/cli/commands/index.js'
import { startServer } from '#/cli/commands/serve.js'
import { openContext } from '#/cli/context.js'
import type { Config } from '#/config/env.js'
import { startLiveIngest } from '#/ingest/wire.js'
import { applySetup } from '#/store/setup.js'

export const up: Command = {
  name: 'up',
  summary: 'Everything: local OpenSearch if needed, setup, live ingest and the API server',
  options: {
    relay: { type: 'string', help: 'ws(s):// URL of the relay or PDS (default RELAY_URL)' },
    port: { type: 'string', help: 'port to listen on (default PORT)' },
  },
  async run(values) {
    return runUp({ RELAY_URL: values.relay as string | undefined, PORT: values.port as string | undefined })
  },
}

/**
 * Shared by `up` and `demo`. Ingest runs until stopped; an unreachable relay is retried with
 * backoff by the firehose client (and logged), while the API keeps serving what is indexed.
 */
export async function runUp(overrides: Partial<Record<keyof Config, string | undefined>>, onReady?: () => void): Promise<number> {
  const { client, config, log } = await openContext(overrides)
  await applySetup(client, config.INDEX_PREFIX, log)
  const server = await startServer(config, client, log)
  const stop = new AbortController()
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => stop.abort())
  onReady?.()
  while (!stop.signal.aborted) {
    try {
      await startLiveIngest(config, client, log, { service: config.RELAY_URL, signal: stop.signal })
    } catch (err) {
      log.error({ err }, 'live ingest stopped with an error; restarting in 5 s')
      await new Promise((r) => setTimeout(r, 5000))
    }
  }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  await client.close()
  return 0
}
