import { cursorFromKey, keyFromCursor } from '#/dataplane/cursor.js'
import type { DataPlane, PostFilter } from '#/dataplane/index.js'
import type { FeedSkeleton } from '#/feeds/skeleton.js'

/**
 * Per-hashtag and per-language feeds: posts with the tags in the languages, newest first, read
 * partition by partition like the timeline. The cursor is the last post's sort key, so pages
 * neither repeat nor skip however many posts arrive in between.
 */
export function createFilteredPosts(dataplane: DataPlane) {
  return async function filteredPosts(filter: PostFilter, req: { limit: number; cursor?: string }): Promise<FeedSkeleton> {
    const page = await dataplane.getFilteredPostsPage(filter, { after: keyFromCursor(req.cursor, 3), limit: req.limit })
    return { items: page.items, cursor: cursorFromKey(page.next) }
  }
}
