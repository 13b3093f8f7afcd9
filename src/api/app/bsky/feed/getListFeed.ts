import { ids, type AppBskyFeedGetListFeed } from '@atproto/api'
import { z } from 'zod'
import { cursorFromKey, keyFromCursor } from '#/dataplane/cursor.js'
import { definePagedQuery } from '#/api/paging.js'
import { pipeline } from '#/api/pipeline.js'
import { optOutPolicy } from '#/hydration/reference-lists.js'
import { mergeStates } from '#/hydration/state.js'
import { didOfUri } from '#/records/at-uri.js'
import { hiddenFromViewerFeed } from '#/rules/posts.js'
import { param } from '#/api/xrpc/params.js'
import { feedViewPost, type FeedItem } from '#/views/index.js'

const params = z.object({
  list: param.atUri(),
  limit: param.limit({ maximum: 100, default: 50 }),
  cursor: param.cursor().optional(),
})

type Params = z.output<typeof params>

interface Skeleton {
  /** The list's creator: posts by members they have a block with are left out. */
  creator: string
  items: FeedItem[]
  cursor?: string
}

/**
 * Posts by a list's members, newest first. As in the reference AppView, an unknown list is not an
 * error: it has no members, so its feed is empty.
 */
const getListFeed = pipeline<Params, Skeleton, AppBskyFeedGetListFeed.OutputSchema>({
  async skeleton({ params, ctx }) {
    // Members who opted out of a reference list are not in its feed, not even for its owner.
    const list = (await ctx.dataplane.getRecords([params.list])).get(params.list)
    const { hidden } = await optOutPolicy(ctx.dataplane, list, null, { ownerSees: false })
    const page = await ctx.dataplane.getListFeed(params.list, { after: keyFromCursor(params.cursor, 3), limit: params.limit }, hidden)
    return { creator: didOfUri(params.list), items: page.items, cursor: cursorFromKey(page.next) }
  },
  async hydrate({ ctx, hydrateCtx, skeleton }) {
    const authors = [...new Set(skeleton.items.map((item) => didOfUri(item.post)))]
    const [feed, blocked] = await Promise.all([
      ctx.hydrator.posts.hydrateFeedItems(skeleton.items, hydrateCtx),
      ctx.dataplane.getBlockedPairs(authors.map((did) => [skeleton.creator, did])),
    ])
    return mergeStates(feed, { blocksWith: new Map([[skeleton.creator, new Set(blocked.map(([, did]) => did))]]) })
  },
  // What the timeline hides, and also members with a block (either way) with the list's creator.
  rules({ skeleton, state }) {
    const creatorBlocks = state.blocksWith?.get(skeleton.creator)
    return {
      ...skeleton,
      items: skeleton.items.filter((item) => !hiddenFromViewerFeed(item, state) && !creatorBlocks?.has(didOfUri(item.post))),
    }
  },
  present: ({ skeleton, state }) => ({
    feed: skeleton.items.flatMap((item) => feedViewPost(item, state) ?? []),
    cursor: skeleton.cursor,
  }),
})

export default definePagedQuery({
  nsid: ids.AppBskyFeedGetListFeed,
  params,
  auth: 'optional',
  run: getListFeed,
  items: (out) => out.feed,
})
