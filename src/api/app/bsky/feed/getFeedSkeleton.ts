import { ids, type AppBskyFeedGetFeedSkeleton } from '@atproto/api'
import { z } from 'zod'
import { defineQuery } from '#/api/xrpc/method.js'
import { param } from '#/api/xrpc/params.js'

const params = z.object({
  feed: param.atUri(),
  limit: param.limit({ maximum: 100, default: 50 }),
  cursor: param.cursor().optional(),
})

/**
 * Magpie as a feed generator: the skeleton of one of its built-in feeds (src/feeds/), for any
 * AppView — Bluesky's included — to hydrate. The viewer, for personal feeds, is the issuer of
 * the token the viewer's PDS minted for Magpie's DID.
 */
export default defineQuery({
  nsid: ids.AppBskyFeedGetFeedSkeleton,
  params,
  auth: 'optional',
  async handler({ params, viewer, ctx }): Promise<AppBskyFeedGetFeedSkeleton.OutputSchema> {
    const skeleton = await ctx.feeds.builtin.skeleton(params.feed, { viewer, limit: params.limit, cursor: params.cursor })
    return {
      feed: skeleton.items.map((item) => ({ post: item.post })),
      cursor: skeleton.cursor,
    }
  },
})
