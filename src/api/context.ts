import type { Client } from '@opensearch-project/opensearch'
import { ageAssurancePolicy, type AgeAssurancePolicy } from '#/api/age-assurance-policy.js'
import type { ServiceSigner } from '#/auth/service-signing.js'
import { configuredLabelers, type Config } from '#/config/env.js'
import { createDataPlane, type DataPlane } from '#/dataplane/index.js'
import { createBuiltinFeeds, type BuiltinFeeds } from '#/feeds/builtin.js'
import { createRemoteFeeds, type RemoteFeeds } from '#/feeds/remote.js'
import { Hydrator } from '#/hydration/hydrator.js'
import { identityResolverFromConfig, type IdentityResolver } from '#/identity/identity-resolver.js'
import { createSafeFetch } from '#/identity/safe-fetch.js'
import type { Logger } from '#/log.js'
import { createSharedDocs } from '#/store/shared-docs.js'
import { imageUrlBuilder, videoUrlBuilder } from '#/views/index.js'
import { createWorldAdmin, type WorldAdmin } from '#/world/admin-api.js'

/** What every XRPC handler is given: storage behind the data plane, hydration, and the service's identity. */
export interface ApiContext {
  dataplane: DataPlane
  hydrator: Hydrator
  log: Logger
  /** This AppView's DID (the audience of the service tokens it accepts). */
  serviceDid: string
  /** DID documents of services records point at (e.g. a feed generator's), resolved and cached. */
  identity: Pick<IdentityResolver, 'resolveDid'>
  /** Feeds Magpie generates itself, and the client for feed generators elsewhere. */
  feeds: { builtin: BuiltinFeeds; remote: RemoteFeeds }
  /** What this AppView allows accounts (their drafts) and asks of them (age assurance). */
  accounts: { draftsLimit: number; ageAssurance: AgeAssurancePolicy }
  /** The small world's admin operations (net.magpie.admin.*), behind MAGPIE_ADMIN_TOKEN. */
  worldAdmin?: WorldAdmin
}

export interface ApiContextDeps {
  config: Config
  client: Client
  log: Logger
  /** Signs the service tokens sent to feed generators; its issuer is this AppView's DID. */
  signer: ServiceSigner
  /** Runs a wait for a feed generator's answer outside the request gate (server/limits/gate.ts). */
  waitOutside?: <T>(wait: () => Promise<T>) => Promise<T>
  /** The clock of the data plane's time-bound answers (label expiry); tests move it. Default: Date.now. */
  now?: () => number
}

/**
 * The read API's collaborators, built once from configuration: the one place where data plane,
 * hydrator, feeds, identity resolution and the world's admin are wired together. The server
 * hands the context to every handler; `close` releases its connections.
 */
export function createApiContext(deps: ApiContextDeps): { ctx: ApiContext; close(): Promise<void> } {
  const { config, client, log, signer } = deps
  const serviceDid = signer.iss
  const identity = identityResolverFromConfig(config, log)
  const sharedDocs = config.REDIS_URL ? createSharedDocs({ redisUrl: config.REDIS_URL, namespace: `${config.INDEX_PREFIX}doc:` }) : undefined
  const dataplane = createDataPlane({
    client,
    prefix: config.INDEX_PREFIX,
    sharedDocs,
    cacheTtlMs: config.READ_CACHE_MS,
    documentCacheBytes: config.READ_CACHE_MB * 1024 * 1024,
    searchTimeoutMs: config.SEARCH_TIMEOUT_MS,
    now: deps.now,
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
      waitOutside: deps.waitOutside,
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
    ctx: { dataplane, hydrator, log, serviceDid, identity, feeds, accounts, worldAdmin },
    close: async () => {
      await Promise.all([identity.close(), generatorFetch.close(), worldFetch.close(), sharedDocs?.close()])
    },
  }
}
