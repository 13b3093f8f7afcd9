import type { Client } from '@opensearch-project/opensearch'
import { methods } from '#/api/index.js'
import { unsupported } from '#/api/unsupported.js'
import { createServiceAuthVerifier, signingKeysFromIdentity } from '#/auth/service-auth.js'
import { configuredLabelers, type Config } from '#/config/env.js'
import type { ServiceSigner } from '#/auth/service-signing.js'
import { createDataPlane } from '#/dataplane/index.js'
import { createBuiltinFeeds } from '#/feeds/builtin.js'
import { createRemoteFeeds } from '#/feeds/remote.js'
import { Hydrator } from '#/hydration/hydrator.js'
import { ageAssurancePolicy } from '#/api/app/bsky/ageassurance/policy.js'
import { identityResolverFromConfig } from '#/identity/identity-resolver.js'
import { createSafeFetch } from '#/identity/safe-fetch.js'
import type { Logger } from '#/log.js'
import { createWorldAdmin } from '#/world/admin-api.js'
import { createSharedDocs } from '#/store/shared-docs.js'
import { createGate } from '#/server/limits/gate.js'
import { normalizeIp } from '#/server/limits/client-ip.js'
import { createRateLimiter } from '#/server/limits/rate-limit.js'
import type { XrpcServerOptions } from '#/server/xrpc/server.js'
import { imageUrlBuilder } from '#/views/images.js'
import { videoUrlBuilder } from '#/views/videos.js'

export interface ReadApi {
  xrpc: XrpcServerOptions
  close(): Promise<void>
}

/** The read API's collaborators, built from configuration: data plane, hydrator, token verification, feeds. */
export function createReadApi(config: Config, client: Client, log: Logger, signer: ServiceSigner): ReadApi {
  const serviceDid = signer.iss
  const identity = identityResolverFromConfig(config, log)
  const sharedDocs = config.REDIS_URL ? createSharedDocs({ redisUrl: config.REDIS_URL, namespace: `${config.INDEX_PREFIX}doc:` }) : undefined
  const dataplane = createDataPlane({
    client,
    prefix: config.INDEX_PREFIX,
    sharedDocs,
    cacheTtlMs: config.READ_CACHE_MS,
    searchTimeoutMs: config.SEARCH_TIMEOUT_MS,
    discovery: {
      cacheTtlMs: config.DISCOVERY_CACHE_MS,
      trending: {
        windowMs: config.TRENDING_WINDOW_MINUTES * 60_000,
        backgroundMs: config.TRENDING_BACKGROUND_HOURS * 3600_000,
        minAuthors: config.TRENDING_MIN_AUTHORS,
      },
    },
  })
  const hydrator = new Hydrator(dataplane, imageUrlBuilder(config.IMAGE_CDN_URL), log.child({ component: 'hydration' }), videoUrlBuilder(config.VIDEO_CDN_URL), {
    labelers: configuredLabelers(config),
    modService: config.MOD_SERVICE_DID,
  }, config.TRUSTED_VERIFIERS)
  const gate = createGate({ maxInFlight: config.MAX_IN_FLIGHT, maxQueued: config.MAX_QUEUED, maxWaitMs: config.MAX_QUEUE_WAIT_MS })
  const rateLimiter = createRateLimiter({
    anonPerMinute: config.RATE_LIMIT_ANON_PER_MIN,
    anonExpensivePerMinute: config.RATE_LIMIT_ANON_EXPENSIVE_PER_MIN,
    accountPerMinute: config.RATE_LIMIT_ACCOUNT_PER_MIN,
    accountExpensivePerMinute: config.RATE_LIMIT_ACCOUNT_EXPENSIVE_PER_MIN,
    limitLoopback: config.RATE_LIMIT_LOOPBACK,
  })
  const auth = createServiceAuthVerifier({ serviceDid, signingKey: signingKeysFromIdentity(identity) })
  // Feed generators are other people's servers: their own connection pool, bounded like every outbound request.
  const generatorFetch = createSafeFetch({ allowPrivateNetwork: config.ALLOW_PRIVATE_NETWORK, timeoutMs: config.FEEDGEN_TIMEOUT_MS, userAgent: 'magpie-appview' })
  const feeds = {
    builtin: createBuiltinFeeds(dataplane, { serviceDid, cacheMs: config.FEED_CACHE_MS }),
    remote: createRemoteFeeds({
      identity,
      fetch: generatorFetch,
      signer,
      timeoutMs: config.FEEDGEN_TIMEOUT_MS,
      log: log.child({ component: 'feeds' }),
      // A request waiting on someone else's feed generator gives its slot up meanwhile.
      waitOutside: gate.outside,
    }),
  }
  // Lists named in a world are checked on their owner's PDS: an outbound request like any other.
  const worldFetch = createSafeFetch({ allowPrivateNetwork: config.ALLOW_PRIVATE_NETWORK, timeoutMs: 10_000, maxRedirects: 0 })
  const worldAdmin = createWorldAdmin(client, config.INDEX_PREFIX, config.MAGPIE_ADMIN_TOKEN, {
    resolveHandle: (h) => identity.resolveHandle(h),
    resolveDid: (d) => identity.resolveDid(d),
    fetch: worldFetch,
  })
  const accounts = { draftsLimit: config.DRAFTS_LIMIT, ageAssurance: ageAssurancePolicy(config.AGE_ASSURANCE_REGIONS) }
  return {
    xrpc: {
      methods,
      unsupported,
      auth,
      log,
      limits: { gate, rateLimiter, trustedProxies: new Set(config.TRUSTED_PROXIES.map(normalizeIp)) },
      ctx: { dataplane, hydrator, log, serviceDid, identity, feeds, accounts, worldAdmin } },
    close: async () => {
      await Promise.all([identity.close(), generatorFetch.close(), worldFetch.close(), sharedDocs?.close()])
    },
  }
}
