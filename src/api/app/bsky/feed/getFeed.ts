import { ids, type AppBskyFeedGetFeed } from '@atproto/api'
import { AuthRequiredError, InvalidRequestError } from '@atproto/xrpc-server'
import { z } from 'zod'
import { hydrationContext } from '#/api/hydration-context.js'
import { pipeline } from '#/api/pipeline.js'
import { resolveUriHost } from '#/api/uris.js'
import type { ServiceAuth } from '#/auth/service-auth.js'
import type { FeedSkeleton } from '#/feeds/skeleton.js'
import { hiddenFromViewerFeed } from '#/rules/posts.js'
import { defineQuery } from '#/api/xrpc/method.js'
import { param } from '#/api/xrpc/params.js'
import { feedViewPost } from '#/views/index.js'

const params = z.object({
  feed: param.atUri(),
  limit: param.limit({ maximum: 100, default: 50 }),
  // Minted by the generator, opaque here: only passed back to it (Magpie's own feeds check theirs).
  cursor: param.string({ maxLength: 5_000 }).optional(),
})

type Params = z.output<typeof params> & {
  auth: ServiceAuth | null
  headers: Record<string, string | string[] | undefined>
}

interface Skeleton extends FeedSkeleton {
  contentLanguage?: string
}

type Output = AppBskyFeedGetFeed.OutputSchema & { contentLanguage?: string }

const GENERATOR = 'app.bsky.feed.generator'

/**
 * A custom feed, hydrated: the skeleton comes from the feed's generator — Magpie's own feeds
 * directly, any other over HTTP (feeds/remote.ts) — then its posts go through the same
 * hydration and block/mute rules as the timeline. As in the reference AppView, a page thinned by
 * the rules is not refilled: asking an algorithmic feed for more can move its state on and lose
 * what it would have shown next.
 */
const getFeed = pipeline<Params, Skeleton, Output>({
  async skeleton({ params, ctx, hydrateCtx }) {
    const feed = await resolveUriHost(ctx, params.feed)
    const record = feed.split('/')[3] === GENERATOR ? (await ctx.dataplane.getRecords([feed])).get(feed) : undefined
    const serviceDid = record?.record.did
    if (typeof serviceDid !== 'string') throw new InvalidRequestError('could not find feed')
    checkAudience(params.auth, ctx.serviceDid, serviceDid)
    const page = { limit: params.limit, cursor: params.cursor }
    if (serviceDid === ctx.serviceDid) return ctx.feeds.builtin.skeleton(feed, { viewer: hydrateCtx.viewer, ...page })
    const passthrough = params.auth?.aud === serviceDid && params.auth.lxm === ids.AppBskyFeedGetFeedSkeleton
    return ctx.feeds.remote.getSkeleton({
      feed,
      serviceDid,
      ...page,
      passthroughAuthorization: passthrough ? header(params.headers, 'authorization') : undefined,
      headers: passthroughHeaders(params.headers),
    })
  },
  hydrate: ({ ctx, hydrateCtx, skeleton }) => ctx.hydrator.posts.hydrateFeedItems(skeleton.items, hydrateCtx),
  rules: ({ skeleton, state }) => ({ ...skeleton, items: skeleton.items.filter((item) => !hiddenFromViewerFeed(item, state)) }),
  present: ({ skeleton, state }) => ({
    feed: skeleton.items.flatMap((item) => {
      const view = feedViewPost(item, state)
      return view ? [{ ...view, feedContext: item.feedContext, reqId: skeleton.reqId }] : []
    }),
    cursor: skeleton.cursor,
    contentLanguage: skeleton.contentLanguage,
  }),
})

/**
 * A token for getFeed is addressed to this AppView, or — minted by the viewer's PDS for the
 * AppView to pass on — to the feed's generator; one for anything else is refused.
 */
function checkAudience(auth: ServiceAuth | null, ownDid: string, generatorDid: string): void {
  if (auth && auth.aud !== ownDid && auth.aud !== generatorDid) {
    throw new AuthRequiredError('jwt audience does not match service did', 'BadJwtAudience')
  }
}

function header(headers: Params['headers'], name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value.join(',') : value
}

/** What a generator may act on: the reader's languages and the atproto headers clients send (labelers, topics). */
function passthroughHeaders(headers: Params['headers']): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name of Object.keys(headers)) {
    if (name !== 'accept-language' && !name.startsWith('x-atproto-')) continue
    const value = header(headers, name)
    if (value !== undefined) out[name] = value
  }
  return out
}

/** A language tag list (e.g. "en, pt-BR") passed back from a generator; anything else is not a header value we send. */
const CONTENT_LANGUAGE = /^[A-Za-z0-9-]+(\s*,\s*[A-Za-z0-9-]+)*$/

export default defineQuery({
  nsid: ids.AppBskyFeedGetFeed,
  params,
  auth: 'optional',
  // A PDS asks with a token for the generator's getFeedSkeleton; clients may send one for getFeed.
  acceptLxm: (lxm) => lxm === ids.AppBskyFeedGetFeed || lxm === ids.AppBskyFeedGetFeedSkeleton,
  anyAudience: true,
  async handler(req): Promise<AppBskyFeedGetFeed.OutputSchema> {
    const { params, auth, headers, ctx, responseHeaders } = req
    const { contentLanguage, ...out } = await getFeed({ ...params, auth, headers }, ctx, hydrationContext(req))
    if (contentLanguage && contentLanguage.length <= 200 && CONTENT_LANGUAGE.test(contentLanguage)) responseHeaders.set('content-language', contentLanguage)
    return out
  },
})
