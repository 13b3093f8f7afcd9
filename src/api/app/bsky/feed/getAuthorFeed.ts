import { ids, type AppBskyFeedGetAuthorFeed } from '@atproto/api'
import { isValidAtUri } from '@atproto/syntax'
import { InvalidRequestError } from '@atproto/xrpc-server'
import { z } from 'zod'
import { cursorFromKey, keyFromCursor } from '#/dataplane/cursor.js'
import { definePagedQuery } from '#/api/paging.js'
import { pipeline } from '#/api/pipeline.js'
import type { AuthorFeedFilter } from '#/dataplane/index.js'
import { getActorInfos } from '#/hydration/actors.js'
import { mergeStates, type ActorInfo } from '#/hydration/state.js'
import { activeModList } from '#/rules/actors.js'
import { didOfUri } from '#/records/at-uri.js'
import { feedItemBlocksAndMutes, SelfThreadTracker } from '#/rules/posts.js'
import { param } from '#/api/xrpc/params.js'
import { feedViewPost, type FeedItem } from '#/views/index.js'

const FILTERS: readonly AuthorFeedFilter[] = ['posts_with_replies', 'posts_no_replies', 'posts_with_media', 'posts_and_author_threads', 'posts_with_video']

const params = z.object({
  actor: param.atIdentifier(),
  limit: param.limit({ maximum: 100, default: 50 }),
  cursor: param.cursor().optional(),
  // Known values, not an enum: an unknown filter is the default one, as in the reference AppView.
  filter: param.string().default('posts_with_replies'),
  includePins: param.boolean().default(false),
})

type Params = z.output<typeof params>

interface Skeleton {
  actor: ActorInfo
  filter: AuthorFeedFilter
  items: FeedItem[]
  cursor?: string
}

const getAuthorFeed = pipeline<Params, Skeleton, AppBskyFeedGetAuthorFeed.OutputSchema>({
  async skeleton({ params, ctx, hydrateCtx }) {
    const [did] = await ctx.hydrator.resolveActors([params.actor])
    const actor = did ? (await getActorInfos(ctx.dataplane, [did], { includeTakedowns: hydrateCtx.includeTakedowns })).get(did) : undefined
    if (!actor) throw new InvalidRequestError('Profile not found')
    const filter = FILTERS.includes(params.filter as AuthorFeedFilter) ? (params.filter as AuthorFeedFilter) : 'posts_with_replies'
    const page = await ctx.dataplane.getAuthorFeed(actor.did, filter, { after: keyFromCursor(params.cursor, 3), limit: params.limit })
    let items: FeedItem[] = page.items
    const pinned = pinnedPostOf(actor)
    // The pinned post heads the first page only, and only if it is the author's own.
    if (params.includePins && !params.cursor && pinned && didOfUri(pinned) === actor.did) {
      items = [{ post: pinned, authorPinned: true }, ...items.filter((item) => item.post !== pinned)]
    }
    return { actor, filter, items, cursor: cursorFromKey(page.next) }
  },
  async hydrate({ ctx, hydrateCtx, skeleton }) {
    const [feed, author] = await Promise.all([
      ctx.hydrator.posts.hydrateFeedItems(skeleton.items, hydrateCtx),
      ctx.hydrator.hydrateProfiles([skeleton.actor.did], hydrateCtx),
    ])
    return mergeStates(feed, author)
  },
  rules({ skeleton, state }) {
    const did = skeleton.actor.did
    const rel = state.relationships?.get(did)
    if (rel && (rel.blocking || activeModList(rel.blockingByList, state))) {
      throw new InvalidRequestError(`Requester has blocked actor: ${did}`, 'BlockedActor')
    }
    if (rel && (rel.blockedBy || activeModList(rel.blockedByList, state))) {
      throw new InvalidRequestError(`Requester is blocked by actor: ${did}`, 'BlockedByActor')
    }
    const visible = (item: FeedItem) => {
      const bam = feedItemBlocksAndMutes(item, state)
      // On a muted account's own feed its posts show (the viewer came to look); reposts of muted accounts by others do not.
      return !bam.authorBlocked && !bam.originatorBlocked && (!bam.authorMuted || bam.originatorMuted)
    }
    if (skeleton.filter !== 'posts_and_author_threads') return { ...skeleton, items: skeleton.items.filter(visible) }
    const selfThread = new SelfThreadTracker(skeleton.items, state)
    return { ...skeleton, items: skeleton.items.filter((item) => visible(item) && (!!item.repost || !!item.authorPinned || selfThread.ok(item.post))) }
  },
  present: ({ skeleton, state }) => ({
    feed: skeleton.items.flatMap((item) => feedViewPost(item, state) ?? []),
    cursor: skeleton.cursor,
  }),
})

function pinnedPostOf(actor: ActorInfo): string | undefined {
  const pinned = actor.profile?.record.pinnedPost as { uri?: unknown; cid?: unknown } | undefined
  return typeof pinned?.uri === 'string' && typeof pinned.cid === 'string' && isValidAtUri(pinned.uri) ? pinned.uri : undefined
}

export default definePagedQuery({
  nsid: ids.AppBskyFeedGetAuthorFeed,
  params,
  auth: 'optional',
  run: getAuthorFeed,
  items: (out) => out.feed,
})
