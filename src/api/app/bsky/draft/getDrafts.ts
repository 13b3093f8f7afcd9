import { ids, type AppBskyDraftDefs } from '@atproto/api'
import { z } from 'zod'
import { cursorFromKey, keyFromCursor } from '#/dataplane/cursor.js'
import { requester } from '#/api/uris.js'
import { defineQuery } from '#/api/xrpc/method.js'
import { param } from '#/api/xrpc/params.js'

/** The requester's drafts (never anyone else's), last updated first. */
export default defineQuery({
  nsid: ids.AppBskyDraftGetDrafts,
  params: z.object({
    limit: param.limit({ maximum: 100, default: 50 }),
    cursor: param.cursor().optional(),
  }),
  auth: 'required',
  async handler({ params, viewer, ctx }) {
    const page = await ctx.dataplane.getDraftsPage(requester(viewer), { after: keyFromCursor(params.cursor, 2), limit: params.limit })
    const drafts = page.items.map((d) => ({ ...d, draft: d.draft as unknown as AppBskyDraftDefs.Draft }))
    return { drafts, cursor: cursorFromKey(page.next) }
  },
})
