import { lexicons } from '@atproto/api'
import { AtUri } from '@atproto/syntax'
import type { FeedItemRef } from '#/dataplane/index.js'

/**
 * Feed skeletons: what a feed generator answers to getFeedSkeleton (post URIs, a cursor), before
 * hydration. Magpie's built-in feeds produce them directly; a remote generator's answer is read
 * with `readSkeletonResponse`, which trusts nothing in it.
 */

/** A feed entry as getFeed hydrates it: the post, its repost or pin reason, and the generator's context. */
export interface SkeletonItem extends FeedItemRef {
  /** Pinned by its author (a skeletonReasonPin). */
  authorPinned?: boolean
  feedContext?: string
}

export interface FeedSkeleton {
  items: SkeletonItem[]
  cursor?: string
  /** The generator's request id, passed on with every item. */
  reqId?: string
}

const POST = 'app.bsky.feed.post'
const REPOST = 'app.bsky.feed.repost'
const SKELETON_POST = 'app.bsky.feed.defs#skeletonFeedPost'
const REASON_REPOST = 'app.bsky.feed.defs#skeletonReasonRepost'
const REASON_PIN = 'app.bsky.feed.defs#skeletonReasonPin'
const MAX_REQ_ID = 100

/** The answer as a whole is unusable (not an object with a feed array); the generator is at fault. */
export class InvalidSkeletonError extends Error {}

/**
 * A generator's getFeedSkeleton answer as a skeleton. Only the first `limit` items are looked at
 * (a generator may ignore the limit; a huge page costs it, not us). Each item is checked on its
 * own against the lexicon and kept only if it names a post by DID, with a repost reason naming a
 * repost record; a bad item is dropped, not the page. Repeats of an entry already on the page
 * are dropped. An empty page, or a cursor echoing the one sent, ends paging (a generator that
 * loops would otherwise be paged forever).
 */
export function readSkeletonResponse(body: unknown, opts: { limit: number; sentCursor?: string }): { skeleton: FeedSkeleton; dropped: number } {
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { feed?: unknown }).feed)) {
    throw new InvalidSkeletonError('feed provided an invalid response')
  }
  const { feed, cursor, reqId } = body as { feed: unknown[]; cursor?: unknown; reqId?: unknown }
  if (cursor !== undefined && typeof cursor !== 'string') throw new InvalidSkeletonError('feed provided an invalid response')
  const page = feed.slice(0, opts.limit)
  const items: SkeletonItem[] = []
  const seen = new Set<string>()
  for (const raw of page) {
    const item = skeletonItem(raw)
    if (!item) continue
    const key = `${item.post} ${item.repost ?? ''}`
    if (seen.has(key)) continue
    seen.add(key)
    items.push(item)
  }
  return {
    skeleton: {
      items,
      cursor: feed.length === 0 || cursor === opts.sentCursor ? undefined : cursor,
      reqId: typeof reqId === 'string' && reqId.length <= MAX_REQ_ID ? reqId : undefined,
    },
    dropped: page.length - items.length,
  }
}

/** One skeleton entry, or undefined when it is not a valid one. */
export function skeletonItem(raw: unknown): SkeletonItem | undefined {
  if (typeof raw !== 'object' || raw === null || !lexicons.validate(SKELETON_POST, raw).success) return undefined
  const { post, reason, feedContext } = raw as { post: string; reason?: { $type?: unknown; repost?: unknown }; feedContext?: string }
  if (!isRecordUri(post, POST)) return undefined
  const item: SkeletonItem = { post }
  if (reason?.$type === REASON_REPOST) {
    if (typeof reason.repost !== 'string' || !isRecordUri(reason.repost, REPOST)) return undefined
    item.repost = reason.repost
  } else if (reason?.$type === REASON_PIN) {
    item.authorPinned = true
  }
  if (feedContext !== undefined) item.feedContext = feedContext
  return item
}

/** An AT URI of a record in `collection` whose authority is a DID (records are stored by DID). */
function isRecordUri(uri: string, collection: string): boolean {
  try {
    const parsed = new AtUri(uri)
    return parsed.host.startsWith('did:') && parsed.collection === collection && parsed.rkey !== ''
  } catch {
    return false
  }
}
