import type { Command } from '#/cli/commands/index.js'
import { openContext } from '#/cli/context.js'
import { createServiceSigner } from '#/auth/service-signing.js'
import { publicUrl, serviceDid } from '#/config/env.js'
import { logUnhandledRejections } from '#/log.js'
import { createReadApi } from '#/server/read-api.js'
import { createApp, listen } from '#/server/app.js'

export const serve: Command = {
  name: 'serve',
  summary: 'Serve the XRPC API, /.well-known/did.json, /_health, /metrics, /search and /status',
  options: {
    port: { type: 'string', help: 'port to listen on (default PORT)' },
  },
  async run(values) {
    const { client, config, log } = await openContext({ PORT: values.port as string | undefined })
    logUnhandledRejections(log)
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
  /** The read API's clock (tests move it); default Date.now. */
  opts: { now?: () => number } = {},
) {
  const did = serviceDid(config)
  const { signer, generated } = await createServiceSigner(did, config.SERVICE_SIGNING_KEY)
  if (generated) log.warn('SERVICE_SIGNING_KEY is not set: signing with a key made for this run (feed generators that cached the old one re-resolve it)')
  const api = createReadApi(config, client, log, signer, opts)
  const app = createApp({ client, log, serviceDid: did, publicUrl: publicUrl(config), signingKey: signer.didKey, indexPrefix: config.INDEX_PREFIX, xrpc: api.xrpc, adminToken: config.MAGPIE_ADMIN_TOKEN })
  const server = await listen(app, config.PORT, config.HOST)
  server.once('close', () => void api.close())
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : config.PORT
  log.info({ url: `http://${config.HOST}:${port}`, serviceDid: did }, 'serving')
  return server
}
