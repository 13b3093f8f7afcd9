import type { Command } from '#/cli/commands/index.js'
import { startServer } from '#/cli/commands/serve.js'
import { openContext } from '#/cli/context.js'
import { shardLayout, type Config } from '#/config/env.js'
import { httpOrigin } from '#/ingest/backfill/repo-list.js'
import { startBackfill } from '#/ingest/backfill/start.js'
import { startLabelIngest } from '#/ingest/labels/start.js'
import { LivePriority } from '#/ingest/live-priority.js'
import { logUnhandledRejections } from '#/log.js'
import { startLiveIngest } from '#/ingest/wire.js'
import { runLifecycle } from '#/store/lifecycle.js'
import { rollupBeside } from '#/aggregates/rollup.js'
import { applySetup } from '#/store/setup.js'

const LIFECYCLE_INTERVAL_MS = 3_600_000

export const up: Command = {
  name: 'up',
  summary: 'Everything: local OpenSearch if needed, setup, live ingest and the API server',
  options: {
    relay: { type: 'string', help: 'ws(s):// URL of the relay or PDS (default RELAY_URL)' },
    port: { type: 'string', help: 'port to listen on (default PORT)' },
    'no-backfill': { type: 'boolean', help: 'only follow the firehose; do not backfill the repos the relay lists' },
  },
  async run(values) {
    return runUp(
      { RELAY_URL: values.relay as string | undefined, PORT: values.port as string | undefined },
      { backfill: !values['no-backfill'] },
    )
  },
}

/**
 * Shared by `up` and `demo`. Ingest runs until stopped; an unreachable relay is retried with
 * backoff by the firehose client (and logged), while the API keeps serving what is indexed.
 * Backfill of the repos the relay lists runs beside it (resuming where an earlier run
 * stopped) and gives way whenever live ingest is held up by OpenSearch; so do the labeler
 * subscriptions, when labelers are configured. `freshIndices` (the demo): a prefix whose indices
 * are dropped first.
 */
export async function runUp(
  overrides: Partial<Record<keyof Config, string | undefined>>,
  opts: { freshIndices?: string; backfill?: boolean } = {},
): Promise<number> {
  const { client, config, log } = await openContext(overrides)
  logUnhandledRejections(log)
  if (opts.freshIndices) {
    // Belt and braces for the demo's own check: only the named prefix, only on the local node.
    if (config.OPENSEARCH_URL || config.INDEX_PREFIX !== opts.freshIndices) {
      throw new Error(`refusing to drop indices: ${config.INDEX_PREFIX}* on ${config.OPENSEARCH_URL ?? 'the local node'}`)
    }
    // A demo network is new on every run: yesterday's demo data would only confuse.
    await client.indices.delete({ index: `${opts.freshIndices}*`, expand_wildcards: 'all' }, { ignore: [404] })
  }
  await applySetup(client, config.INDEX_PREFIX, log, shardLayout(config))
  const server = await startServer(config, client, log)
  const lifecyclePass = () => runLifecycle(client, config.INDEX_PREFIX, log).catch((err) => log.error({ err }, 'lifecycle pass failed'))
  void lifecyclePass()
  const lifecycleTimer = setInterval(lifecyclePass, LIFECYCLE_INTERVAL_MS)
  const stop = new AbortController()
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => stop.abort())
  const priority = new LivePriority()
  const backfill =
    opts.backfill === false
      ? Promise.resolve()
      : startBackfill(config, client, log, { hosts: [httpOrigin(config.RELAY_URL)], signal: stop.signal, priority, world: true }).catch((err) =>
          log.error({ err }, 'backfill stopped with an error; live ingest goes on'),
        )
  const labels = startLabelIngest(config, client, log, { signal: stop.signal }).catch((err) =>
    log.error({ err }, 'label ingest stopped with an error; the rest goes on'),
  )
  const rollup = rollupBeside(config, client, log, stop.signal)
  while (!stop.signal.aborted) {
    try {
      await startLiveIngest(config, client, log, { service: config.RELAY_URL, signal: stop.signal, priority })
    } catch (err) {
      log.error({ err }, 'live ingest stopped with an error; restarting in 5 s')
      await new Promise((r) => setTimeout(r, 5000))
    }
  }
  clearInterval(lifecycleTimer)
  await backfill
  await labels
  await rollup
  await new Promise<void>((resolve) => server.close(() => resolve()))
  await client.close()
  return 0
}
