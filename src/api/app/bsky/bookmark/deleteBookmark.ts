import { ids } from '@atproto/api'
import { z } from 'zod'
import { bookmarkSubject } from '#/api/bookmark-subject.js'
import { requester } from '#/api/uris.js'
import { input } from '#/api/xrpc/inputs.js'
import { defineProcedure } from '#/api/xrpc/method.js'

/** Remove a bookmark; removing one that is not there changes nothing. */
export default defineProcedure({
  nsid: ids.AppBskyBookmarkDeleteBookmark,
  params: z.object({}),
  input: z.object({ uri: input.atUri() }),
  auth: 'required',
  async handler({ input, viewer, ctx }) {
    const me = requester(viewer)
    await ctx.dataplane.deleteBookmark(me, await bookmarkSubject(ctx, input.uri))
  },
})
