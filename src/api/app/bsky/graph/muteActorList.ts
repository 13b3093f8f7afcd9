import { ids } from '@atproto/api'
import { z } from 'zod'
import { recordUriIn, requester } from '#/api/uris.js'
import { input } from '#/server/xrpc/inputs.js'
import { defineProcedure } from '#/server/xrpc/method.js'

/** Mute every account on a list (a mod list; other lists are stored but mute no one, as in the reference AppView). */
export default defineProcedure({
  nsid: ids.AppBskyGraphMuteActorList,
  params: z.object({}),
  input: z.object({ list: input.atUri() }),
  auth: 'required',
  async handler({ input, viewer, ctx }) {
    const muter = requester(viewer)
    const list = await recordUriIn(ctx, input.list, 'app.bsky.graph.list', 'list')
    await ctx.dataplane.putMute(muter, 'list', list)
  },
})
