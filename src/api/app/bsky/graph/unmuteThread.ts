import { ids } from '@atproto/api'
import { z } from 'zod'
import { recordUriIn, requester } from '#/api/uris.js'
import { input } from '#/server/xrpc/inputs.js'
import { defineProcedure } from '#/server/xrpc/method.js'

export default defineProcedure({
  nsid: ids.AppBskyGraphUnmuteThread,
  params: z.object({}),
  input: z.object({ root: input.atUri() }),
  auth: 'required',
  async handler({ input, viewer, ctx }) {
    const muter = requester(viewer)
    const root = await recordUriIn(ctx, input.root, 'app.bsky.feed.post', 'root')
    await ctx.dataplane.deleteMute(muter, 'thread', root)
  },
})
