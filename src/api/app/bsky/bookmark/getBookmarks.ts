import { ids, type AppBskyBookmarkGetBookmarks } from '@atproto/api'
import { z } from 'zod'
import { cursorFromKey, keyFromCursor } from '#/dataplane/cursor.js'
import { definePagedQuery } from '#/api/paging.js'
import { noRules, pipeline } from '#/api/pipeline.js'
import { requester } from '#/api/uris.js'
import type { Bookmark } from '#/dataplane/index.js'
import { param } from '#/api/xrpc/params.js'
import { maybePost } from '#/views/index.js'

const params = z.object({
  limit: param.limit({ maximum: 100, default: 50 }),
  cursor: param.cursor().optional(),
})

type Params = z.output<typeof params>

interface Skeleton {
  bookmarks: Bookmark[]
  cursor?: string
}

/** The requester's bookmarks, newest first; a post since deleted or behind a block shows as such. */
const getBookmarks = pipeline<Params, Skeleton, AppBskyBookmarkGetBookmarks.OutputSchema>({
  async skeleton({ params, ctx, hydrateCtx }) {
    const page = await ctx.dataplane.getBookmarksPage(requester(hydrateCtx.viewer), { after: keyFromCursor(params.cursor, 2), limit: params.limit })
    return { bookmarks: page.items, cursor: cursorFromKey(page.next) }
  },
  hydrate: ({ ctx, hydrateCtx, skeleton }) => ctx.hydrator.posts.hydratePosts(skeleton.bookmarks.map((b) => b.subject), hydrateCtx),
  rules: noRules,
  present: ({ skeleton, state }) => ({
    bookmarks: skeleton.bookmarks.map((b) => ({
      subject: { uri: b.subject, cid: b.subjectCid },
      createdAt: b.createdAt,
      item: maybePost(b.subject, state),
    })),
    cursor: skeleton.cursor,
  }),
})

export default definePagedQuery({
  nsid: ids.AppBskyBookmarkGetBookmarks,
  params,
  auth: 'required',
  run: getBookmarks,
  items: (out) => out.bookmarks,
})
