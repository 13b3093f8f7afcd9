import { ids } from '@atproto/api'
import { z } from 'zod'
import { requester } from '#/api/uris.js'
import { input } from '#/api/xrpc/inputs.js'
import { defineProcedure } from '#/api/xrpc/method.js'

/** Marks the requester's notifications up to `seenAt` read; the seen time only ever moves forward. */
export default defineProcedure({
  nsid: ids.AppBskyNotificationUpdateSeen,
  params: z.object({}),
  input: z.object({ seenAt: input.datetime() }),
  auth: 'required',
  async handler({ input, viewer, ctx }) {
    const me = requester(viewer)
    await ctx.dataplane.putSeenAt(me, new Date(input.seenAt).toISOString())
  },
})
