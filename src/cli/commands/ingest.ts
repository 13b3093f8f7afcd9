import type { Command } from '#/cli/commands/index.js'
import { openContext } from '#/cli/context.js'
import { shardLayout } from '#/config/env.js'
import { UsageError } from '#/cli/usage-error.js'
import { startLabelIngest } from '#/ingest/labels/start.js'
import { startLiveIngest } from '#/ingest/wire.js'
import { metricsListenerFor } from '#/server/metrics-listener.js'
import { applySetup } from '#/store/setup.js'
import { rollupBeside } from '#/aggregates/rollup.js'

export const ingest: Command = {
  name: 'ingest',
  summary: 'Consume a relay or PDS firehose (com.atproto.sync.subscribeRepos), and the configured labelers, into OpenSearch',
  options: {
    relay: { type: 'string', help: 'ws(s):// URL of the relay or PDS (default RELAY_URL)' },
    cursor: { type: 'string', help: 'start after this sequence number instead of the saved cursor' },
    'exit-when-idle': { type: 'string', help: 'stop after this many seconds without an event' },
    verify: { type: 'boolean', help: 'verify every commit signature and MST proof (VERIFY_COMMITS=true)' },
  },
  async run(values) {
    const cursor = numberOption(values.cursor, 'cursor')
    const idle = numberOption(values['exit-when-idle'], 'exit-when-idle')
    const { client, config, log } = await openContext({
      RELAY_URL: values.relay as string | undefined,
      VERIFY_COMMITS: values.verify ? 'true' : undefined,
    })
    const closeMetrics = await metricsListenerFor(config, log)
    await applySetup(client, config.INDEX_PREFIX, log, shardLayout(config))
    const stop = new AbortController()
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => stop.abort())
    // Labels are followed for as long as the firehose is.
    const labelsStop = new AbortController()
    const labels = startLabelIngest(config, client, log, { signal: labelsStop.signal })
    const rollup = rollupBeside(config, client, log, labelsStop.signal)
    let summary
    try {
      summary = await startLiveIngest(config, client, log, {
        service: config.RELAY_URL,
        cursor,
        exitWhenIdleSec: idle,
        signal: stop.signal,
      })
    } finally {
      labelsStop.abort()
    }
    const labelers = await labels
    await rollup
    console.log(JSON.stringify(labelers.length ? { ...summary, labelers } : summary))
    await closeMetrics()
    await client.close()
    return 0
  },
}

function numberOption(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${name} must be a non-negative number`)
  return n
}
