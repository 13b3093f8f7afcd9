import { ids, type AppBskyFeedGetActorLikes } from '@atproto/api'
import { InvalidRequestError } from '@atproto/xrpc-server'
import { z } from 'zod'
import { cursorFromKey, keyFromCursor } from '#/dataplane/cursor.js'
import { definePagedQuery } from '#/api/paging.js'
import { pipeline } from '#/api/pipeline.js'
import { viewerBlockExists } from '#/rules/actors.js'
import { didOfUri } from '#/records/at-uri.js'
import { param } from '#/api/xrpc/params.js'
import { feedViewPost, type FeedItem } from '#/views/index.js'

const params = z.object({
  actor: param.atIdentifier(),
  limit: param.limit({ maximum: 100, default: 50 }),
  cursor: param.cursor().optional(),
})

type Params = z.output<typeof params>

interface Skeleton {
  items: FeedItem[]
  cursor?: string
}

const getActorLikes = pipeline<Params, Skeleton, AppBskyFeedGetActorLikes.OutputSchema>({
  async skeleton({ params, ctx, hydrateCtx }) {
    const [did] = await ctx.hydrator.resolveActors([params.actor])
    // Likes are private to their author: anyone else is told there is no such profile.
    if (!did || !hydrateCtx.viewer || hydrateCtx.viewer !== did) throw new InvalidRequestError('Profile not found')
    const page = await ctx.dataplane.getActorLikes(did, { after: keyFromCursor(params.cursor, 3), limit: params.limit })
    const items = page.items.flatMap((like) => {
      const subject = (like.record.subject as { uri?: unknown } | undefined)?.uri
      return typeof subject === 'string' ? [{ post: subject }] : []
    })
    return { items, cursor: cursorFromKey(page.next) }
  },
  hydrate: ({ ctx, hydrateCtx, skeleton }) => ctx.hydrator.posts.hydrateFeedItems(skeleton.items, hydrateCtx),
  rules: ({ skeleton, state }) => ({ ...skeleton, items: skeleton.items.filter((item) => !viewerBlockExists(didOfUri(item.post), state)) }),
  present: ({ skeleton, state }) => ({
    feed: skeleton.items.flatMap((item) => feedViewPost(item, state) ?? []),
    cursor: skeleton.cursor,
  }),
})

export default definePagedQuery({
  nsid: ids.AppBskyFeedGetActorLikes,
  params,
  auth: 'optional',
  run: getActorLikes,
  items: (out) => out.feed,
})
