import type { Client } from '@opensearch-project/opensearch'
import { methods } from '#/api/index.js'
import { createServiceAuthVerifier, signingKeysFromIdentity } from '#/auth/service-auth.js'
import { configuredLabelers, type Config } from '#/config/env.js'
import { createDataPlane } from '#/dataplane/index.js'
import { Hydrator } from '#/hydration/hydrator.js'
import { identityResolverFromConfig } from '#/identity/identity-resolver.js'
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
  const identity = identityResolverFromConfig(config, log)
  const dataplane = createDataPlane({ client, prefix: config.INDEX_PREFIX, cacheTtlMs: config.READ_CACHE_MS })
  const hydrator = new Hydrator(dataplane, imageUrlBuilder(config.IMAGE_CDN_URL), log.child({ component: 'hydration' }), videoUrlBuilder(config.VIDEO_CDN_URL), {
    labelers: configuredLabelers(config),
    modService: config.MOD_SERVICE_DID,
  })
  const auth = createServiceAuthVerifier({ serviceDid, signingKey: signingKeysFromIdentity(identity) })
  return {
    xrpc: { methods, auth, log, ctx: { dataplane, hydrator, log, serviceDid, identity } },
    close: () => identity.close(),
  }
}
