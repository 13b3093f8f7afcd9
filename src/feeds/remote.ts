import { ids } from '@atproto/api'
import { getFeedGenEndpoint } from '@atproto/common-web'
import { InvalidRequestError, UpstreamFailureError, XRPCError, type ResponseType } from '@atproto/xrpc-server'
import type { ServiceSigner } from '#/auth/service-signing.js'
import { InvalidSkeletonError, readSkeletonResponse, type FeedSkeleton } from '#/feeds/skeleton.js'
import type { IdentityResolver } from '#/identity/identity-resolver.js'
import { OutboundRequestError, type SafeFetch } from '#/identity/safe-fetch.js'
import type { Logger } from '#/log.js'

/**
 * Feeds hosted elsewhere: find the generator's endpoint from its service DID, and ask it for a
 * skeleton through the SSRF-safe fetch (time- and size-bounded, public addresses only unless the
 * operator allows private ones). Failures are XRPC errors as the reference AppView reports them:
 * the generator's own error passed on, "feed unavailable" when it cannot be reached in time, and
 * InvalidFeedResponse when what it sent is not a skeleton.
 */

/** The generator's `#bsky_fg` endpoint, or InvalidRequest saying why there is none (as getFeedGenerator answers). */
export async function feedGenEndpoint(identity: Pick<IdentityResolver, 'resolveDid'>, serviceDid: string): Promise<string> {
  const resolved = await identity.resolveDid(serviceDid)
  if (!resolved) throw new InvalidRequestError(`could not resolve identity: ${serviceDid}`)
  const endpoint = getFeedGenEndpoint(resolved.didDoc)
  if (!endpoint) throw new InvalidRequestError(`invalid feed generator service details in did document: ${serviceDid}`)
  return endpoint
}

export interface SkeletonRequest {
  feed: string
  /** The generator's DID (the token's audience). */
  serviceDid: string
  limit: number
  cursor?: string
  /**
   * The caller's Authorization header when its token was minted for this generator (what a PDS
   * sends with getFeed): passed on as it is, so the generator learns who the viewer is.
   */
  passthroughAuthorization?: string
  /** Request headers a generator may act on (accept-language, x-atproto-*). */
  headers: Record<string, string>
}

export interface RemoteSkeleton extends FeedSkeleton {
  /** The generator's content-language header, passed on to the client. */
  contentLanguage?: string
}

export interface RemoteFeeds {
  getSkeleton(req: SkeletonRequest): Promise<RemoteSkeleton>
}

/** Longest error name or message passed on from a generator. */
const MAX_ERROR_TEXT = 1000

/** Largest skeleton answer read: 100 items with long feed contexts fit many times over. */
const MAX_SKELETON_BYTES = 1024 * 1024

export function createRemoteFeeds(deps: {
  identity: Pick<IdentityResolver, 'resolveDid'>
  fetch: SafeFetch
  signer: ServiceSigner
  timeoutMs: number
  log: Logger
  /** Runs the wait for the generator's answer (the XRPC gate's `outside`: no slot held meanwhile). */
  waitOutside?: <T>(wait: () => Promise<T>) => Promise<T>
}): RemoteFeeds {
  const waitOutside = deps.waitOutside ?? ((wait) => wait())
  return {
    async getSkeleton(req) {
      const endpoint = await feedGenEndpoint(deps.identity, req.serviceDid)
      const url = new URL(`/xrpc/${ids.AppBskyFeedGetFeedSkeleton}`, endpoint)
      url.searchParams.set('feed', req.feed)
      url.searchParams.set('limit', String(req.limit))
      if (req.cursor !== undefined) url.searchParams.set('cursor', req.cursor)
      // Without a token minted for it by the viewer's PDS, the generator gets one from Magpie
      // itself: it can tell who is calling, though not for which viewer.
      const authorization = req.passthroughAuthorization ?? `Bearer ${await deps.signer.sign(req.serviceDid, ids.AppBskyFeedGetFeedSkeleton)}`
      let res
      try {
        res = await waitOutside(() =>
          deps.fetch(url, {
            headers: { ...req.headers, accept: 'application/json', authorization },
            timeoutMs: deps.timeoutMs,
            maxBytes: MAX_SKELETON_BYTES,
          }),
        )
      } catch (err) {
        deps.log.info({ err, feed: req.feed, serviceDid: req.serviceDid }, 'feed generator request failed')
        if (err instanceof OutboundRequestError && err.reason === 'too-large') {
          throw new UpstreamFailureError('feed provided an invalid response', 'InvalidFeedResponse', { cause: err })
        }
        throw new UpstreamFailureError('feed unavailable', undefined, { cause: err })
      }
      if (!res.ok) throw generatorError(res.status, parseJson(res.text()))
      try {
        const { skeleton, dropped } = readSkeletonResponse(parseJson(res.text()), { limit: req.limit, sentCursor: req.cursor })
        if (dropped > 0) deps.log.info({ feed: req.feed, dropped }, 'feed generator sent invalid or repeated items')
        return { ...skeleton, contentLanguage: res.header('content-language') }
      } catch (err) {
        if (!(err instanceof InvalidSkeletonError)) throw err
        deps.log.info({ feed: req.feed, serviceDid: req.serviceDid }, 'feed generator sent an invalid skeleton')
        throw new UpstreamFailureError(err.message, 'InvalidFeedResponse', { cause: err })
      }
    },
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/**
 * A generator's error answer, passed on with its status and XRPC error (a 500 becomes a 502: the
 * fault is upstream); an answer without an XRPC error body is named after its status.
 */
export function generatorError(status: number, body: unknown): XRPCError {
  const downstream = status === 500 ? 502 : status >= 400 && status < 600 ? status : 502
  const payload = body as { error?: unknown; message?: unknown } | undefined
  const fallback = `feed generator answered ${status}`
  if (typeof payload?.error === 'string' && payload.error !== '' && payload.error.length <= MAX_ERROR_TEXT) {
    const message = typeof payload.message === 'string' && payload.message !== '' ? payload.message.slice(0, MAX_ERROR_TEXT) : fallback
    return new XRPCError(downstream as ResponseType, message, payload.error)
  }
  return new XRPCError(downstream as ResponseType, fallback, downstream >= 500 ? 'UpstreamFailure' : 'InvalidRequest')
}
