import { ids, type AppBskyFeedGetTimeline } from '@atproto/api'
import { z } from 'zod'
import { cursorFromKey, definePagedQuery, keyFromCursor } from '#/api/paging.js'
import { pipeline } from '#/api/pipeline.js'
import { requester } from '#/api/uris.js'
import { hiddenFromViewerFeed } from '#/rules/posts.js'
import { param } from '#/server/xrpc/params.js'
import { feedViewPost, type FeedItem } from '#/views/posts.js'

const params = z.object({
  // Implementation-specific variants; Magpie has one timeline.
  algorithm: param.string().optional(),
  limit: param.limit({ maximum: 100, default: 50 }),
  cursor: param.cursor().optional(),
})

type Params = z.output<typeof params>

interface Skeleton {
  items: FeedItem[]
  cursor?: string
}

const getTimeline = pipeline<Params, Skeleton, AppBskyFeedGetTimeline.OutputSchema>({
  async skeleton({ params, ctx, hydrateCtx }) {
    const page = await ctx.dataplane.getTimeline(requester(hydrateCtx.viewer), { after: keyFromCursor(params.cursor, 3), limit: params.limit })
    return { items: page.items, cursor: cursorFromKey(page.next) }
  },
  hydrate: ({ ctx, hydrateCtx, skeleton }) => ctx.hydrator.posts.hydrateFeedItems(skeleton.items, hydrateCtx),
  rules: ({ skeleton, state }) => ({ ...skeleton, items: skeleton.items.filter((item) => !hiddenFromViewerFeed(item, state)) }),
  present: ({ skeleton, state }) => ({
    feed: skeleton.items.flatMap((item) => feedViewPost(item, state) ?? []),
    cursor: skeleton.cursor,
  }),
})

export default definePagedQuery({
  nsid: ids.AppBskyFeedGetTimeline,
  params,
  auth: 'required',
  run: getTimeline,
  items: (out) => out.feed,
})
