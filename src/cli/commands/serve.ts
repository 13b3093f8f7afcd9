import type { Command } from '#/cli/commands/index.js'
import { openContext } from '#/cli/context.js'
import { serviceDid } from '#/config/env.js'
import { createReadApi } from '#/server/api.js'
import { createApp, listen } from '#/server/app.js'

export const serve: Command = {
  name: 'serve',
  summary: 'Serve the XRPC API, /.well-known/did.json, /_health, /metrics, /search and /status',
  options: {
    port: { type: 'string', help: 'port to listen on (default PORT)' },
  },
  async run(values) {
    const { client, config, log } = await openContext({ PORT: values.port as string | undefined })
    const server = await startServer(config, client, log)
    await new Promise<void>((resolve) => {
      for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => server.close(() => resolve()))
    })
    return 0
  },
}

export async function startServer(
  config: import('#/config/env.js').Config,
  client: import('@opensearch-project/opensearch').Client,
  log: import('#/log.js').Logger,
) {
  const did = serviceDid(config)
  const publicUrl = `http://${config.HOST}:${config.PORT}`
  const api = createReadApi(config, client, log, did)
  const server = await listen(createApp({ client, log, serviceDid: did, publicUrl, indexPrefix: config.INDEX_PREFIX, xrpc: api.xrpc }), config.PORT, config.HOST)
  server.once('close', () => void api.close())
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : config.PORT
  log.info({ url: `http://${config.HOST}:${port}`, serviceDid: did }, 'serving')
  return server
}
