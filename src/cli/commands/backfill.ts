import type { Command } from '#/cli/commands/index.js'
import { openContext } from '#/cli/context.js'
import { shardLayout } from '#/config/env.js'
import { UsageError } from '#/cli/usage-error.js'
import { httpOrigin } from '#/ingest/backfill/repo-list.js'
import { parseShard, type BackfillShard } from '#/ingest/backfill/shard.js'
import { startBackfill } from '#/ingest/backfill/start.js'
import { metricsListenerFor } from '#/server/metrics-listener.js'
import { applySetup } from '#/store/setup.js'
import { rollupBeside } from '#/aggregates/rollup.js'

export const backfill: Command = {
  name: 'backfill',
  summary: 'Index whole repositories (com.atproto.sync.listRepos + getRepo) from a relay, PDS hosts or a list of DIDs (within the small world, when one is set)',
  options: {
    relay: { type: 'string', help: 'list repos on this relay (http(s) or ws(s) URL; default RELAY_URL when nothing else is named)' },
    pds: { type: 'string', multiple: true, help: 'list repos on this PDS (repeatable)' },
    repos: { type: 'string', help: 'comma-separated DIDs to backfill' },
    force: { type: 'boolean', help: 'redo repos an earlier run finished' },
    'exit-when-done': { type: 'boolean', help: 'exit once every listed repo is handled (the default for this command)' },
    shard: { type: 'string', help: 'i/n: one of n backfill processes, taking only the repos whose DID hashes to i (SHA-256 of the DID, first 4 bytes, mod n)' },
  },
  async run(values) {
    const repos = typeof values.repos === 'string' ? values.repos.split(',').map((d) => d.trim()).filter(Boolean) : undefined
    for (const did of repos ?? []) if (!/^did:[a-z]+:[a-zA-Z0-9._:%-]+$/.test(did)) throw new UsageError(`--repos: ${JSON.stringify(did)} is not a DID`)
    let shard: BackfillShard | undefined
    try {
      shard = typeof values.shard === 'string' ? parseShard(values.shard) : undefined
    } catch (err) {
      throw new UsageError((err as Error).message)
    }
    const { client, config, log } = await openContext({})
    const named = [...((values.pds as string[] | undefined) ?? []), ...(typeof values.relay === 'string' ? [values.relay] : [])]
    const listed = named.length > 0 ? named : repos ? [] : [config.RELAY_URL]
    let hosts: string[]
    try {
      hosts = listed.map(httpOrigin)
    } catch (err) {
      throw new UsageError((err as Error).message)
    }
    const closeMetrics = await metricsListenerFor(config, log)
    await applySetup(client, config.INDEX_PREFIX, log, shardLayout(config))
    const stop = new AbortController()
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => stop.abort())
    // Every shard runs it: one process at a time holds the rollup's lease (aggregates/rollup.ts),
    // the others' passes find it held and do nothing, and whichever outlives the rest goes on.
    const rollupStop = new AbortController()
    const rollup = rollupBeside(config, client, log, rollupStop.signal)
    const summary = await startBackfill(config, client, log, { hosts, repos, force: Boolean(values.force), signal: stop.signal, world: true, shard }).finally(() => rollupStop.abort())
    await rollup
    console.log(JSON.stringify(summary))
    await closeMetrics()
    await client.close()
    return summary.failed > 0 ? 1 : 0
  },
}
