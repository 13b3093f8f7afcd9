import type { Command } from '#/cli/commands/index.js'
import { runUp } from '#/cli/commands/up.js'
import { loadDemoNetwork } from '#/cli/dev-tools.js'
import { UsageError } from '#/cli/usage-error.js'

/** The demo's own indices: dropped and recreated on every run. */
export const DEMO_INDEX_PREFIX = 'magpie-demo-'

/**
 * The prefix the demo may drop: its own, on the local node Magpie manages. A shell with
 * OPENSEARCH_URL or another INDEX_PREFIX exported is one that points at real data, so the demo
 * refuses rather than wipe it. (Empty variables count as unset, as the configuration reads them.)
 */
export function demoIndexPrefix(env: Record<string, string | undefined>): string {
  if (env.OPENSEARCH_URL) {
    throw new UsageError(
      `the demo drops and recreates its indices, so it runs only on the local OpenSearch node Magpie manages; ` +
        `OPENSEARCH_URL is set (${env.OPENSEARCH_URL}): unset it for the demo, or run \`magpie up\` against that cluster`,
    )
  }
  if (env.INDEX_PREFIX && env.INDEX_PREFIX !== DEMO_INDEX_PREFIX) {
    throw new UsageError(
      `the demo drops and recreates the indices under its own prefix "${DEMO_INDEX_PREFIX}" only; ` +
        `INDEX_PREFIX is set ("${env.INDEX_PREFIX}"): unset it for the demo`,
    )
  }
  return DEMO_INDEX_PREFIX
}

export const demo: Command = {
  name: 'demo',
  summary: `Run \`up\` against a local AT Protocol network (dev-env PLC + PDS) with generated activity, on the local OpenSearch node (indices ${DEMO_INDEX_PREFIX}*, recreated each run); works offline`,
  options: {
    accounts: { type: 'string', help: 'how many demo accounts to create (default 12)' },
    rate: { type: 'string', help: 'generated actions per second (default 5)' },
    port: { type: 'string', help: 'port to listen on (default PORT)' },
  },
  async run(values) {
    // Before anything starts: a refusal must cost nothing and touch nothing.
    const prefix = demoIndexPrefix(process.env)
    const { startDevNetwork, runActivity } = await loadDemoNetwork()
    const net = await startDevNetwork()
    const activity = new AbortController()
    const log = (msg: string) => console.error(`demo: ${msg}`)
    log(`local network up: PDS ${net.pdsUrl}, PLC ${net.plcUrl}`)
    const running = runActivity(net, {
      accounts: Number(values.accounts ?? 12),
      ratePerSec: Number(values.rate ?? 5),
      signal: activity.signal,
      log,
    })
    try {
      // The demo's network is a dozen accounts, some made before ingest connects: backfilling
      // everything it lists is cheap, and is what brings those first records in.
      return await runUp({
        RELAY_URL: net.firehoseUrl,
        PLC_URL: net.plcUrl,
        HANDLE_RESOLVER_URL: net.pdsUrl,
        HANDLE_RESOLUTION: 'xrpc',
        ALLOW_PRIVATE_NETWORK: 'true',
        INDEX_PREFIX: prefix,
        PORT: values.port as string | undefined,
      }, { freshIndices: prefix, backfill: 'everything' })
    } finally {
      activity.abort()
      await running.catch(() => undefined)
      await net.close()
    }
  },
}
