import type { DataPlane, HotCandidate } from '#/dataplane/index.js'
import type { FeedSkeleton } from '#/feeds/skeleton.js'
import { recommendable } from '#/feeds/recommendable.js'
import { rankedCursor, rankedPage, rankingCache, rankOnce, readRankedCursor, type Ranked } from '#/feeds/post-ranking.js'

/**
 * "What's hot": top-level posts of the last two days ranked by engagement with time decay.
 *
 *   score = log2(1 + likes + 2·reposts + replies) + postedAt / halfLife
 *
 * which orders posts exactly as (1 + engagement) · 2^(-age / halfLife) does (its log, shifted
 * by a constant that is the same for every post at any given moment), but without a "now": a
 * post's score changes only when its engagement does. That is what keeps pages stable while the
 * clock runs: the ranking is recomputed (every FEED_CACHE_MS) and the cursor still means the
 * same place in it. Log-scaled engagement makes each doubling worth one half-life of age.
 */

export interface HotOptions {
  /** Posts and interactions this recent are ranked. */
  windowMs: number
  /** How much age halves a post's weight. */
  halfLifeMs: number
  /** How many of the most liked, reposted and replied-to posts are considered (each). */
  candidates: number
}

export const HOT_DEFAULTS: HotOptions = { windowMs: 48 * 3_600_000, halfLifeMs: 12 * 3_600_000, candidates: 500 }

/** Reposts carry a post to new readers: they weigh double. */
export function engagement(c: Pick<HotCandidate, 'likes' | 'reposts' | 'replies'>): number {
  return c.likes + 2 * c.reposts + c.replies
}

export function hotScore(c: HotCandidate, halfLifeMs: number): number {
  return Math.log2(1 + engagement(c)) + c.sortAt / halfLifeMs
}

export function rankHot(candidates: HotCandidate[], halfLifeMs: number): Ranked[] {
  return rankOnce(candidates.map((c) => ({ uri: c.uri, score: hotScore(c, halfLifeMs) })))
}

export function createWhatsHot(dataplane: DataPlane, opts: { cacheMs: number; now?: () => number } & Partial<HotOptions>) {
  const o = { ...HOT_DEFAULTS, ...opts }
  const now = opts.now ?? Date.now
  const ranking = rankingCache<undefined>(opts.cacheMs, async () => {
    const candidates = await dataplane.getHotCandidates({ since: now() - o.windowMs, size: o.candidates })
    return rankHot(await recommendable(dataplane, candidates), o.halfLifeMs)
  })

  return async function whatsHot(req: { limit: number; cursor?: string }): Promise<FeedSkeleton> {
    const { after } = readRankedCursor(req.cursor)
    const page = rankedPage(await ranking('hot', undefined), req.limit, after)
    return { items: page.items.map(({ uri }) => ({ post: uri })), cursor: rankedCursor(page.last) }
  }
}
