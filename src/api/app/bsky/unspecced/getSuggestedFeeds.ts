import { ids, type AppBskyFeedDefs, type AppBskyUnspeccedGetSuggestedFeeds } from '@atproto/api'
import { z } from 'zod'
import type { ApiContext } from '#/api/context.js'
import { hydrationContext } from '#/api/hydration-context.js'
import { firstItems } from '#/api/paging.js'
import { rankedFeedGensPage } from '#/api/ranked-list-pages.js'
import type { HydrateCtx } from '#/hydration/state.js'
import { defineQuery } from '#/api/xrpc/method.js'
import { param } from '#/api/xrpc/params.js'

const params = z.object({
  limit: param.limit({ maximum: 25, default: 10 }),
})

const suggestedFeedsPage = rankedFeedGensPage((ctx, _params, viewer) => ctx.dataplane.getSuggestedFeedGens(viewer))

/** The first `limit` of app.bsky.feed.getSuggestedFeeds' list, as one answer without a cursor. */
export function suggestedFeeds(limit: number, ctx: ApiContext, hydrateCtx: HydrateCtx): Promise<AppBskyFeedDefs.GeneratorView[]> {
  return firstItems(limit, (page) => suggestedFeedsPage(page, ctx, hydrateCtx), (out) => out.feeds)
}

/** Feeds for the Explore screen. */
export default defineQuery({
  nsid: ids.AppBskyUnspeccedGetSuggestedFeeds,
  params,
  auth: 'optional',
  expensive: true,
  async handler(req): Promise<AppBskyUnspeccedGetSuggestedFeeds.OutputSchema> {
    const { params, ctx } = req
    return { feeds: await suggestedFeeds(params.limit, ctx, hydrationContext(req)) }
  },
})
