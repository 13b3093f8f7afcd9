import { getCoFollowed, getFollowedByMany, getPopularActors } from '#/dataplane/follow-suggestions.js'
import { getPopularFeedGens, likedFeedGens, searchFeedGens, viewerFeedGenLikes } from '#/dataplane/feed-suggestions.js'
import { concatRanked, rankedCache, type Ranked } from '#/dataplane/ranked-lists.js'
import type { Searcher } from '#/dataplane/opensearch-reader.js'
import { getPopularStarterPacks } from '#/dataplane/starter-pack-suggestions.js'
import { getTrendingTopics, type TrendingOptions, type TrendingTopics } from '#/dataplane/trending.js'
import { getTrends, type Trend } from '#/dataplane/trends.js'

/**
 * Discovery: trending topics, feed generators, starter packs and accounts to follow, each a ranked list
 * computed by aggregations and reused for a while (dataplane/ranked-lists.ts), since every page of
 * every viewer would otherwise aggregate again. The lists leave out what the aggregations can
 * (the viewer, whom it follows, feeds it likes); blocks, mutes and account status are the
 * endpoints' rules, applied to each page when it is hydrated.
 */

export interface DiscoveryOptions {
  /** How long a ranked list is reused; 0 computes each time. Default 60 s. */
  cacheTtlMs: number
  trending: TrendingOptions
  /** The window "most followed lately" counts follows over, ms. Default 30 days. */
  popularActorsMs: number
  /** The clock windows end at (a benchmark over a stored dataset sets it to the data's time). */
  now: () => number
}

const HOUR_MS = 3600_000

export const DEFAULT_DISCOVERY: DiscoveryOptions = {
  cacheTtlMs: 60_000,
  trending: { windowMs: HOUR_MS, backgroundMs: 7 * 24 * HOUR_MS, minAuthors: 3 },
  popularActorsMs: 30 * 24 * HOUR_MS,
  now: Date.now,
}

/** Accounts to suggest, best first. */
export interface Suggestions {
  ranked: Ranked[]
  /** True when there was no network to go by and these are the most followed accounts lately. */
  fallback: boolean
}

export interface Discovery {
  trendingTopics(): Promise<TrendingTopics>
  /** The trending topics with their post counts, start times and most active accounts. */
  trends(): Promise<Trend[]>
  /** Starter packs by the accounts that joined through them, then the newest. */
  popularStarterPacks(): Promise<Ranked[]>
  /** Feed generators by likes; with a query, of those whose name or description match it. */
  popularFeedGens(query?: string): Promise<Ranked[]>
  /** Feed generators liked by whom the viewer follows, then the popular ones; not the viewer's own or ones it likes. */
  suggestedFeedGens(viewer: string | null): Promise<Ranked[]>
  /** Accounts followed by many of whom the viewer follows, then the most followed lately. */
  followSuggestions(viewer: string | null): Promise<Suggestions>
  /** Accounts followed by the followers of `actor` more than by everyone (or, failing those, the most followed lately). */
  coFollowSuggestions(actor: string, viewer: string | null): Promise<Suggestions>
}

export function createDiscovery(
  search: Searcher,
  followedDids: (did: string) => Promise<string[]>,
  likeCounts: (uris: string[]) => Promise<Map<string, number>>,
  options: Partial<DiscoveryOptions> = {},
): Discovery {
  const opts = { ...DEFAULT_DISCOVERY, ...options }
  const cache = { ttlMs: opts.cacheTtlMs }

  const trending = rankedCache(() => getTrendingTopics(search, opts.trending, opts.now()), cache)
  const popularFeeds = rankedCache((query) => (query ? searchFeedGens(search, likeCounts, query) : getPopularFeedGens(search)), cache)
  const popularActors = rankedCache(() => getPopularActors(search, opts.now() - opts.popularActorsMs), cache)
  const trends = rankedCache(async () => getTrends(search, (await trending('')).trending, opts.trending.windowMs, opts.now()), cache)
  const popularPacks = rankedCache(() => getPopularStarterPacks(search), cache)

  const suggestedFeeds = rankedCache(async (viewer) => {
    if (!viewer) return popularFeeds('')
    const follows = await followedDids(viewer)
    const [network, liked, popular] = await Promise.all([
      follows.length > 0 ? likedFeedGens(search, follows) : [],
      viewerFeedGenLikes(search, viewer),
      popularFeeds(''),
    ])
    return concatRanked([network, popular], liked).filter((r) => !r.key.startsWith(`at://${viewer}/`))
  }, cache)

  const follows = rankedCache(async (viewer): Promise<Suggestions> => {
    const followed = viewer ? await followedDids(viewer) : []
    const exclude = viewer ? [viewer, ...followed] : []
    const [network, popular] = await Promise.all([getFollowedByMany(search, followed, exclude), popularActors('')])
    return { ranked: concatRanked([network, popular], exclude), fallback: network.length === 0 }
  }, cache)

  const coFollows = rankedCache(async (key): Promise<Suggestions> => {
    const [actor, viewer] = key.split('\n') as [string, string]
    const exclude = [actor, ...(viewer ? [viewer, ...(await followedDids(viewer))] : [])]
    const similar = await getCoFollowed(search, actor, exclude)
    if (similar.length > 0) return { ranked: similar, fallback: false }
    return { ranked: concatRanked([await popularActors('')], exclude), fallback: true }
  }, cache)

  return {
    trendingTopics: () => trending(''),
    trends: () => trends(''),
    popularStarterPacks: () => popularPacks(''),
    popularFeedGens: (query) => popularFeeds(normalizeQuery(query)),
    suggestedFeedGens: (viewer) => suggestedFeeds(viewer ?? ''),
    followSuggestions: (viewer) => follows(viewer ?? ''),
    coFollowSuggestions: (actor, viewer) => coFollows(`${actor}\n${viewer ?? ''}`),
  }
}

/** One cache entry for queries that differ only in case and spacing (the match query ignores both). */
function normalizeQuery(query: string | undefined): string {
  return (query ?? '').trim().replace(/\s+/g, ' ').toLowerCase()
}
