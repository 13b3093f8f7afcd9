import { INVALID_HANDLE, isValidHandle, normalizeHandle } from '@atproto/syntax'
import type { Config } from '#/config/env.js'
import type { Logger } from '#/log.js'
import { createDidResolver, type ResolvedDid } from '#/identity/did-resolver.js'
import { type HandleResolutionMethod, createHandleResolver } from '#/identity/handle-resolver.js'
import { createSafeFetch, type SafeFetch } from '#/identity/safe-fetch.js'

/**
 * DIDs, handles and the two-way check between them, as the AppView needs them:
 * a handle is shown only when the DID document claims it and it resolves back
 * to the same DID. Network trouble never throws; it yields null or an invalid handle.
 */

export interface VerifiedIdentity {
  did: string
  /** The verified handle, or 'handle.invalid' as Bluesky serves it. */
  handle: string
  handleValid: boolean
  /** What the DID document claims, verified or not. */
  claimedHandle?: string
  pds?: string
  /** The `#atproto` signing key as a did:key. */
  signingKey?: string
  didDoc: object
}

export interface IdentityResolverOptions {
  /** The PLC directory: operator-configured and trusted, so it may be on loopback. */
  plcUrl: string
  /** A trusted XRPC service answering com.atproto.identity.resolveHandle, tried last. */
  handleResolverUrl?: string
  /** Let network-supplied URLs reach loopback/private addresses (tests and the demo network only). */
  allowPrivateNetwork: boolean
  /** Per-request budget for every outbound request. Default 5 s. */
  timeoutMs?: number
  log: Logger
  /** Nameservers for handle TXT lookups instead of the system's. */
  dnsServers?: string[]
  /** Handle resolution methods to use, in order (default dns, https, xrpc). */
  handleMethods?: HandleResolutionMethod[]
}

export interface RefreshOptions {
  /** Bypass caches (an #identity event arrived, or a signature failed with the cached key). */
  forceRefresh?: boolean
  /** When the identity is known to have changed (an #identity event's time, ms): older copies are stale. */
  changedAt?: number
}

export interface IdentityResolver {
  resolveDid(did: string, opts?: RefreshOptions): Promise<ResolvedDid | null>
  /** The DID a handle points at (unverified: pair with verifyIdentity). */
  resolveHandle(handle: string, opts?: RefreshOptions): Promise<string | null>
  verifyIdentity(did: string, opts?: RefreshOptions): Promise<VerifiedIdentity | null>
  /** The address-checked fetch, for other callers of network-supplied URLs. */
  safeFetch: SafeFetch
  /** Stop: lookups still in flight fail at once, so that nothing holds the process up. */
  close(): Promise<void>
}

export type { ResolvedDid }

/** The resolver as configured (PLC_URL, HANDLE_RESOLVER_URL, HANDLE_RESOLUTION, ALLOW_PRIVATE_NETWORK, IDENTITY_TIMEOUT_MS). */
export function identityResolverFromConfig(config: Config, log: Logger): IdentityResolver {
  return createIdentityResolver({
    plcUrl: config.PLC_URL,
    handleResolverUrl: config.HANDLE_RESOLVER_URL,
    allowPrivateNetwork: config.ALLOW_PRIVATE_NETWORK,
    handleMethods: config.HANDLE_RESOLUTION,
    timeoutMs: config.IDENTITY_TIMEOUT_MS,
    log,
  })
}

export function createIdentityResolver(opts: IdentityResolverOptions): IdentityResolver {
  const log = opts.log.child({ component: 'identity' })
  const webFetch = createSafeFetch({ allowPrivateNetwork: opts.allowPrivateNetwork, timeoutMs: opts.timeoutMs })
  // Operator-configured services: bounded like everything else, but allowed on loopback and not redirected.
  const trustedFetch = createSafeFetch({ allowPrivateNetwork: true, timeoutMs: opts.timeoutMs, maxRedirects: 0 })

  const dids = createDidResolver({
    plcUrl: opts.plcUrl,
    webFetch,
    plcFetch: trustedFetch,
    allowPrivateNetwork: opts.allowPrivateNetwork,
    log,
  })
  const handles = createHandleResolver({
    webFetch,
    trustedFetch,
    handleResolverUrl: opts.handleResolverUrl,
    dnsTimeoutMs: opts.timeoutMs,
    dnsServers: opts.dnsServers,
    methods: opts.handleMethods,
    log,
  })

  async function guarded<T>(what: string, subject: string, fn: () => Promise<T>): Promise<T | null> {
    try {
      return await fn()
    } catch (err) {
      // The resolvers already turn network failures into null; this catches the unforeseen.
      log.debug({ subject, err }, `${what} failed`)
      return null
    }
  }

  return {
    safeFetch: webFetch,
    resolveDid: (did, o) => guarded('did resolution', did, () => dids.resolve(did, o)),
    resolveHandle: (handle, o) => guarded('handle resolution', handle, () => handles.resolve(handle, o)),
    verifyIdentity: (did, o) =>
      guarded('identity verification', did, async () => {
        const resolved = await dids.resolve(did, o)
        if (!resolved) return null
        const claimed = resolved.claimedHandle
        let handleValid = false
        if (claimed && isValidHandle(claimed)) {
          const back = await handles.resolve(claimed, o)
          handleValid = back === did
          if (!handleValid) log.debug({ did, claimed, resolvesTo: back }, 'claimed handle does not resolve back')
        }
        return {
          did,
          handle: handleValid && claimed ? normalizeHandle(claimed) : INVALID_HANDLE,
          handleValid,
          claimedHandle: claimed,
          pds: resolved.pds,
          signingKey: resolved.signingKey,
          didDoc: resolved.didDoc,
        }
      }),
    async close() {
      handles.close()
      await Promise.all([webFetch.destroy(), trustedFetch.destroy()])
    },
  }
}
