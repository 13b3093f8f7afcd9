import { ids, type AppBskyFeedGetTimeline } from '@atproto/api'
import { z } from 'zod'
import { cursorFromKey, keyFromCursor } from '#/dataplane/cursor.js'
import { definePagedQuery, emulateFill, FETCHES } from '#/api/paging.js'
import { pipeline, type Pipeline, type PipelineSteps } from '#/api/pipeline.js'
import { requester } from '#/api/uris.js'
import { hiddenFromViewerFeed } from '#/rules/posts.js'
import { param } from '#/api/xrpc/params.js'
import { feedViewPost, type FeedItem } from '#/views/index.js'

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

const steps: PipelineSteps<Params, Skeleton, AppBskyFeedGetTimeline.OutputSchema> = {
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
}

const page = pipeline(steps)

/**
 * Pages smaller than this read ahead: the app's poll for new posts asks for one item a minute,
 * and when the newest items are hidden (replies to people the viewer does not follow) the page
 * would be refilled one item, and one full hydration, at a time.
 */
const READ_AHEAD_BELOW = 10
const readAhead = (limit: number) => Math.max(8, limit * 4)

const getTimeline: Pipeline<Params & { refill?: boolean }, AppBskyFeedGetTimeline.OutputSchema> = async (params, ctx, hydrateCtx) => {
  if (params.refill || params.limit >= READ_AHEAD_BELOW) return page(params, ctx, hydrateCtx)
  const ahead = await ctx.dataplane.getTimeline(requester(hydrateCtx.viewer), { after: keyFromCursor(params.cursor, 3), limit: readAhead(params.limit) })
  if (!ahead.keys) return page(params, ctx, hydrateCtx)
  const all: Skeleton = { items: ahead.items }
  const state = await steps.hydrate({ params, ctx, hydrateCtx, skeleton: all })
  const shown = new Set(steps.rules({ params, skeleton: all, state }).items)
  const kept = ahead.items.map((item) => shown.has(item) && feedViewPost(item, state) !== undefined)
  const { consumed, fetches } = emulateFill(params.limit, kept, ahead.next !== undefined)
  const goesOn = consumed < ahead.items.length || ahead.next !== undefined
  const skeleton = { items: ahead.items.slice(0, consumed).filter((_, i) => kept[i]), cursor: goesOn ? cursorFromKey(ahead.keys[consumed - 1]) : undefined }
  return Object.assign(steps.present({ params, skeleton, state }), { [FETCHES]: fetches })
}

export default definePagedQuery({
  nsid: ids.AppBskyFeedGetTimeline,
  params,
  auth: 'required',
  run: getTimeline,
  items: (out) => out.feed,
})
