import { AtUri } from '@atproto/syntax'
import { InvalidRequestError } from '@atproto/xrpc-server'
import type { DataPlane } from '#/dataplane/index.js'
import { createFilteredPosts } from '#/feeds/filtered-posts.js'
import { createMoreLikeLiked, type MoreLikeOptions } from '#/feeds/more-like-liked.js'
import type { FeedSkeleton } from '#/feeds/skeleton.js'
import { feedSpecFor } from '#/feeds/specs.js'
import { createWhatsHot, type HotOptions } from '#/feeds/whats-hot.js'

/**
 * Magpie as a feed generator: the feeds it answers under its own DID (describeFeedGenerator,
 * getFeedSkeleton), and the skeletons getFeed uses without a round trip when a feed's generator
 * is Magpie itself.
 */

export interface BuiltinFeedRequest {
  viewer: string | null
  limit: number
  cursor?: string
}

export interface BuiltinFeeds {
  /** The skeleton of a feed served by Magpie, or UnknownFeed. */
  skeleton(feed: string, req: BuiltinFeedRequest): Promise<FeedSkeleton>
  /** URIs of the published generator records naming Magpie whose feed it knows. */
  published(): Promise<string[]>
}

export interface BuiltinFeedOptions {
  /** Magpie's DID: the generator records it answers for name it. */
  serviceDid: string
  /** How long rankings are reused (FEED_CACHE_MS). */
  cacheMs: number
  hot?: Partial<HotOptions>
  moreLike?: Partial<MoreLikeOptions>
  /** The clock (tests move it). */
  now?: () => number
}

/** More generator records than this naming one service is not a feed list anyone reads. */
const MAX_PUBLISHED = 1000

export function createBuiltinFeeds(dataplane: DataPlane, opts: BuiltinFeedOptions): BuiltinFeeds {
  const whatsHot = createWhatsHot(dataplane, { cacheMs: opts.cacheMs, now: opts.now, ...opts.hot })
  const moreLikeLiked = createMoreLikeLiked(dataplane, { cacheMs: opts.cacheMs, now: opts.now, ...opts.moreLike })
  const filteredPosts = createFilteredPosts(dataplane)

  return {
    async skeleton(feed, req) {
      if (!isGeneratorUri(feed)) throw new InvalidRequestError('Unknown feed', 'UnknownFeed')
      const record = (await dataplane.getRecords([feed])).get(feed)
      // A record Magpie has seen decides: one naming another generator is not Magpie's to answer.
      // One it has not seen (not ingested yet, or outside a small world) is known by its key.
      const spec = record?.record.did === opts.serviceDid || !record ? feedSpecFor(feed, record?.record) : undefined
      if (!spec) throw new InvalidRequestError('Unknown feed', 'UnknownFeed')
      switch (spec.algorithm) {
        case 'whats-hot':
          return whatsHot(req)
        case 'more-like-liked':
          return moreLikeLiked(req)
        case 'posts':
          return filteredPosts(spec, req)
      }
    },
    async published() {
      const records = await dataplane.getFeedGensByService(opts.serviceDid, MAX_PUBLISHED)
      return records.filter((r) => feedSpecFor(r.uri, r.record)).map((r) => r.uri)
    },
  }
}

function isGeneratorUri(uri: string): boolean {
  try {
    return new AtUri(uri).collection === 'app.bsky.feed.generator'
  } catch {
    return false
  }
}
