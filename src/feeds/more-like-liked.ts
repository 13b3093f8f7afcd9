import { AuthRequiredError } from '@atproto/xrpc-server'
import type { DataPlane } from '#/dataplane/index.js'
import type { FeedSkeleton } from '#/feeds/skeleton.js'
import { recommendable } from '#/feeds/recommendable.js'
import { rankedCursor, rankedPage, rankingCache, rankOnce, readRankedCursor } from '#/feeds/post-ranking.js'

/**
 * "More like what I liked": posts whose text is like that of the viewer's recent likes
 * (OpenSearch more_like_this over the liked posts' texts), from accounts the viewer does not
 * follow, leaving out what they already liked. Recent top-level posts only: a recommendation a
 * month old, or a reply without its thread, is not much of one.
 *
 * Pages are stable: the first page fixes which likes the ranking comes from (the cursor carries
 * the newest one's time, and later pages use the likes made up to then), and rankings are kept
 * per viewer and that time for FEED_CACHE_MS.
 */

export interface MoreLikeOptions {
  /** How many of the viewer's newest likes describe their taste. */
  likes: number
  /** Posts this recent are recommended. */
  windowMs: number
  /** How many posts are ranked (the feed's length). */
  candidates: number
}

export const MORE_LIKE_DEFAULTS: MoreLikeOptions = { likes: 50, windowMs: 7 * 24 * 3_600_000, candidates: 300 }

export function createMoreLikeLiked(dataplane: DataPlane, opts: { cacheMs: number; now?: () => number } & Partial<MoreLikeOptions>) {
  const o = { ...MORE_LIKE_DEFAULTS, ...opts }
  const now = opts.now ?? Date.now
  const ranking = rankingCache<{ viewer: string; liked: string[]; follows: Promise<string[]> }>(opts.cacheMs, async (_key, { viewer, liked, follows }) => {
    const [posts, followed] = await Promise.all([dataplane.getRecords(liked), follows])
    const like = liked.flatMap((uri) => {
      const text = posts.get(uri)?.record.text
      return typeof text === 'string' ? [text] : []
    })
    const similar = await dataplane.getSimilarPosts({
      like,
      excludeDids: [viewer, ...followed],
      excludeUris: liked,
      since: now() - o.windowMs,
      size: o.candidates,
    })
    return rankOnce(await recommendable(dataplane, similar))
  })

  return async function moreLikeLiked(req: { viewer: string | null; limit: number; cursor?: string }): Promise<FeedSkeleton> {
    // Whose likes, if not the viewer's: this feed is personal.
    if (!req.viewer) throw new AuthRequiredError('This feed is made from your likes: sign in to see it', 'AuthMissing')
    const { prefix, after } = readRankedCursor(req.cursor, 1)
    // Whom the viewer follows is asked beside their likes (one round trip less on a cache miss;
    // on a hit it goes unused, and the data plane caches it briefly anyway).
    const follows = dataplane.getFollowedDids(req.viewer)
    follows.catch(() => undefined)
    const likes = await dataplane.getRecentLikedPosts(req.viewer, { until: prefix[0], limit: o.likes })
    if (likes.newest === undefined) return { items: [] }
    const ranked = await ranking(`${req.viewer} ${likes.newest}`, { viewer: req.viewer, liked: likes.subjects, follows })
    const page = rankedPage(ranked, req.limit, after)
    return { items: page.items.map(({ uri }) => ({ post: uri })), cursor: rankedCursor(page.last, [likes.newest]) }
  }
}
