import type { HydrationState } from '#/hydration/state.js'
import { viewerBlockExists, viewerMuteExists, viewerQuotepostMuteExists, viewerRepostMuteExists } from '#/rules/actors.js'
import { didOfUri, isPostUri } from '#/records/at-uri.js'
import { embeddedRecordUri, replyParentOf } from '#/records/post-record.js'

/** What hides a feed item from the viewer: blocks and mutes of its author, its reposter and the authors it replies to. */

export interface FeedItemLike {
  post: string
  repost?: string
  authorPinned?: boolean
}

export interface FeedItemBlocksAndMutes {
  authorBlocked: boolean
  authorMuted: boolean
  /** The author's quote posts are muted and this is one. */
  authorQuotepostMuted: boolean
  /** The one who put it in the feed (the reposter, else the author). */
  originatorBlocked: boolean
  originatorMuted: boolean
  originatorRepostMuted: boolean
  /** The author of the post replied to, or of its parent, has a block with the viewer. */
  ancestorAuthorBlocked: boolean
}

export function feedItemBlocksAndMutes(item: FeedItemLike, state: HydrationState): FeedItemBlocksAndMutes {
  const author = didOfUri(item.post)
  const originator = item.repost ? didOfUri(item.repost) : author
  const post = state.posts?.get(item.post) ?? undefined
  const parent = replyParentOf(post)
  const grandparent = parent ? replyParentOf(state.posts?.get(parent) ?? undefined) : undefined
  const quoted = embeddedRecordUri(post)
  return {
    authorBlocked: viewerBlockExists(author, state),
    authorMuted: viewerMuteExists(author, state),
    authorQuotepostMuted: !!quoted && isPostUri(quoted) && viewerQuotepostMuteExists(author, state),
    originatorBlocked: viewerBlockExists(originator, state),
    originatorMuted: viewerMuteExists(originator, state),
    originatorRepostMuted: !!item.repost && viewerRepostMuteExists(originator, state),
    ancestorAuthorBlocked:
      (!!parent && viewerBlockExists(didOfUri(parent), state)) || (!!grandparent && viewerBlockExists(didOfUri(grandparent), state)),
  }
}

/**
 * Whether a feed built for the viewer (timeline, list and custom feeds) leaves the item out:
 * anything a block or mute touches, including replies to blocked accounts' posts.
 */
export function hiddenFromViewerFeed(item: FeedItemLike, state: HydrationState): boolean {
  const bam = feedItemBlocksAndMutes(item, state)
  return (
    bam.authorBlocked ||
    bam.authorMuted ||
    bam.authorQuotepostMuted ||
    bam.originatorBlocked ||
    bam.originatorMuted ||
    bam.originatorRepostMuted ||
    bam.ancestorAuthorBlocked
  )
}

/**
 * For posts_and_author_threads: a reply belongs on the page only as part of a complete
 * self-thread — its whole chain of parents, up to a top-level post, on the same page.
 */
export class SelfThreadTracker {
  private readonly pagePosts = new Set<string>()
  private readonly known = new Map<string, boolean>()

  constructor(
    items: FeedItemLike[],
    private readonly state: HydrationState,
  ) {
    for (const item of items) if (!item.repost) this.pagePosts.add(item.post)
  }

  ok(uri: string, seen = new Set<string>()): boolean {
    const cached = this.known.get(uri)
    if (cached !== undefined) return cached
    // A loop of forged reply references is no thread.
    if (seen.has(uri)) {
      this.known.set(uri, false)
      return false
    }
    seen.add(uri)
    const post = this.state.posts?.get(uri)
    const parent = replyParentOf(post ?? undefined)
    const result = this.pagePosts.has(uri) && !!post && (parent === undefined || this.ok(parent, seen))
    this.known.set(uri, result)
    return result
  }
}
