import type { Command } from '#/cli/commands/index.js'
import { runUp } from '#/cli/commands/up.js'
import { runActivity } from '#/devnet/activity.js'
import { startDevNetwork } from '#/devnet/network.js'

export const demo: Command = {
  name: 'demo',
  summary: 'Run `up` against a local AT Protocol network (dev-env PLC + PDS) with generated activity; works offline',
  options: {
    accounts: { type: 'string', help: 'how many demo accounts to create (default 12)' },
    rate: { type: 'string', help: 'generated actions per second (default 5)' },
    port: { type: 'string', help: 'port to listen on (default PORT)' },
  },
  async run(values) {
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
      return await runUp({
        RELAY_URL: net.firehoseUrl,
        PLC_URL: net.plcUrl,
        HANDLE_RESOLVER_URL: net.pdsUrl,
        HANDLE_RESOLUTION: 'xrpc',
        ALLOW_PRIVATE_NETWORK: 'true',
        INDEX_PREFIX: process.env.INDEX_PREFIX || 'magpie-demo-',
        PORT: values.port as string | undefined,
      }, { freshIndices: true })
    } finally {
      activity.abort()
      await running.catch(() => undefined)
      await net.close()
    }
  },
}
