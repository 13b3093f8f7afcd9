import { ids } from '@atproto/api'
import { z } from 'zod'
import { bookmarkSubject } from '#/api/bookmark-subject.js'
import { requester } from '#/api/uris.js'
import { input } from '#/api/xrpc/inputs.js'
import { defineProcedure } from '#/api/xrpc/method.js'

/** Bookmark a post, privately; bookmarking it again changes nothing. */
export default defineProcedure({
  nsid: ids.AppBskyBookmarkCreateBookmark,
  params: z.object({}),
  input: z.object({ uri: input.atUri(), cid: input.cid() }),
  auth: 'required',
  async handler({ input, viewer, ctx }) {
    const me = requester(viewer)
    await ctx.dataplane.putBookmark(me, await bookmarkSubject(ctx, input.uri), input.cid)
  },
})
