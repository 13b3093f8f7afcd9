import { ids } from '@atproto/api'
import { z } from 'zod'
import { recordUriIn, requester } from '#/api/uris.js'
import { input } from '#/server/xrpc/inputs.js'
import { defineProcedure } from '#/server/xrpc/method.js'

export default defineProcedure({
  nsid: ids.AppBskyGraphUnmuteActorList,
  params: z.object({}),
  input: z.object({ list: input.atUri() }),
  auth: 'required',
  async handler({ input, viewer, ctx }) {
    const muter = requester(viewer)
    const list = await recordUriIn(ctx, input.list, 'app.bsky.graph.list', 'list')
    await ctx.dataplane.deleteMute(muter, 'list', list)
  },
})
