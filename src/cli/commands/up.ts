import { availableParallelism } from 'node:os'
import type { Command } from '#/cli/commands/index.js'
import { startServer } from '#/cli/commands/serve.js'
import { openContext } from '#/cli/context.js'
import { UsageError } from '#/cli/usage-error.js'
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
import { createSafeFetch } from '#/identity/safe-fetch.js'
import { isWorldActive, WorldStore } from '#/world/definition.js'
import { firstRunNotice } from '#/world/full-backfill-estimate.js'
import { countHostedAccounts } from '#/world/hosted-accounts.js'

const LIFECYCLE_INTERVAL_MS = 3_600_000

export const up: Command = {
  name: 'up',
  summary:
    'Everything: local OpenSearch if needed, setup, live ingest and the API server; backfills the small world when one is set, ' +
    'and with no world only says what a full backfill would take (--backfill starts it)',
  options: {
    relay: { type: 'string', help: 'ws(s):// URL of the relay or PDS (default RELAY_URL)' },
    port: { type: 'string', help: 'port to listen on (default PORT)' },
    backfill: { type: 'boolean', help: 'also backfill every repo the relay lists (with no world: the whole network — days to weeks, terabytes)' },
    'no-backfill': { type: 'boolean', help: 'only follow the firehose; do not backfill even the small world' },
  },
  async run(values) {
    if (values.backfill && values['no-backfill']) throw new UsageError('--backfill and --no-backfill contradict each other: give one')
    return runUp(
      { RELAY_URL: values.relay as string | undefined, PORT: values.port as string | undefined },
      { backfill: values.backfill ? 'everything' : values['no-backfill'] ? 'none' : 'auto' },
    )
  },
}

/**
 * What `up` backfills: `everything` the relay lists (within the world, if one is set), `none`,
 * or `auto` — the world's members when a world is set (a community: cheap), and with no world
 * nothing: the whole network is tens of billions of records, which nobody should start by
 * accident. Then `up` says what it would take instead.
 */
export type UpBackfill = 'auto' | 'everything' | 'none'

export function backfillFor(choice: UpBackfill, worldActive: boolean): 'relay' | 'none' | 'notice' {
  if (choice === 'everything') return 'relay'
  if (choice === 'none') return 'none'
  return worldActive ? 'relay' : 'notice'
}

export interface UpOptions {
  /** The demo: a prefix whose indices are dropped first. */
  freshIndices?: string
  backfill?: UpBackfill
  /** Stops everything (default: SIGINT or SIGTERM). */
  signal?: AbortSignal
  /** Where the first-run notice goes (default: stderr, beside the logs). */
  print?: (text: string) => void
}

/**
 * Shared by `up` and `demo`. Ingest runs until stopped; an unreachable relay is retried with
 * backoff by the firehose client (and logged), while the API keeps serving what is indexed.
 * A backfill (backfillFor) runs beside it, resuming where an earlier run stopped, and gives
 * way whenever live ingest is held up by OpenSearch; so do the labeler subscriptions, when
 * labelers are configured.
 */
export async function runUp(overrides: Partial<Record<keyof Config, string | undefined>>, opts: UpOptions = {}): Promise<number> {
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
  if (opts.signal) opts.signal.addEventListener('abort', () => stop.abort(), { once: true })
  else for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => stop.abort())
  const priority = new LivePriority()
  const { world } = await new WorldStore(client, config.INDEX_PREFIX).load()
  const plan = backfillFor(opts.backfill ?? 'auto', isWorldActive(world))
  const backfill =
    plan === 'relay'
      ? startBackfill(config, client, log, { hosts: [httpOrigin(config.RELAY_URL)], signal: stop.signal, priority, world: true }).catch((err) =>
          log.error({ err }, 'backfill stopped with an error; live ingest goes on'),
        )
      : plan === 'notice'
        ? printFirstRunNotice(config, opts.print ?? ((text) => process.stderr.write(`${text}\n`))).catch((err) =>
            log.warn({ err }, 'could not print what a full backfill would take'),
          )
        : Promise.resolve()
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

/** Says, once the relay's size is known (or could not be learnt in a few seconds), what a full backfill would take. */
async function printFirstRunNotice(config: Config, print: (text: string) => void): Promise<void> {
  const relayOrigin = httpOrigin(config.RELAY_URL)
  // The relay is the operator's own choice, as for a backfill's listing.
  const fetch = createSafeFetch({ allowPrivateNetwork: true, timeoutMs: 5_000 })
  try {
    const accounts = await countHostedAccounts(fetch, relayOrigin)
    print(firstRunNotice({ relay: config.RELAY_URL, relayOrigin, accounts, cores: availableParallelism() }))
  } finally {
    await fetch.close()
  }
}
