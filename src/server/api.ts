import type { Client } from '@opensearch-project/opensearch'
import { methods } from '#/api/index.js'
import { createServiceAuthVerifier, signingKeysFromIdentity } from '#/auth/service-auth.js'
import type { Config } from '#/config/env.js'
import { createDataPlane } from '#/dataplane/index.js'
import { Hydrator } from '#/hydration/hydrator.js'
import { createIdentityResolver } from '#/identity/identity-resolver.js'
import type { Logger } from '#/log.js'
import type { XrpcServerOptions } from '#/server/xrpc/server.js'
import { imageUrlBuilder } from '#/views/images.js'
import { videoUrlBuilder } from '#/views/videos.js'

export interface ReadApi {
  xrpc: XrpcServerOptions
  close(): Promise<void>
}

/** The read API's collaborators, built from configuration: data plane, hydrator, token verification. */
export function createReadApi(config: Config, client: Client, log: Logger, serviceDid: string): ReadApi {
  const identity = createIdentityResolver({
    plcUrl: config.PLC_URL,
    handleResolverUrl: config.HANDLE_RESOLVER_URL,
    allowPrivateNetwork: config.ALLOW_PRIVATE_NETWORK,
    handleMethods: config.HANDLE_RESOLUTION,
    log,
  })
  const dataplane = createDataPlane({
    client,
    prefix: config.INDEX_PREFIX,
    cacheTtlMs: config.READ_CACHE_MS,
    discovery: {
      cacheTtlMs: config.DISCOVERY_CACHE_MS,
      trending: {
        windowMs: config.TRENDING_WINDOW_MINUTES * 60_000,
        backgroundMs: config.TRENDING_BACKGROUND_HOURS * 3600_000,
        minAuthors: config.TRENDING_MIN_AUTHORS,
      },
    },
  })
  const hydrator = new Hydrator(dataplane, imageUrlBuilder(config.IMAGE_CDN_URL), log.child({ component: 'hydration' }), videoUrlBuilder(config.VIDEO_CDN_URL))
  const auth = createServiceAuthVerifier({ serviceDid, signingKey: signingKeysFromIdentity(identity) })
  return {
    xrpc: { methods, auth, log, ctx: { dataplane, hydrator, log, serviceDid, identity } },
    close: () => identity.close(),
  }
}
