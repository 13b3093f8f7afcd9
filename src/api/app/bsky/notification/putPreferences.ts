import { ids } from '@atproto/api'
import { z } from 'zod'
import { requester } from '#/api/uris.js'
import { input } from '#/api/xrpc/inputs.js'
import { defineProcedure } from '#/api/xrpc/method.js'

/** The older preference: whether listing and counting default to priority notifications (from accounts the requester follows). */
export default defineProcedure({
  nsid: ids.AppBskyNotificationPutPreferences,
  params: z.object({}),
  input: z.object({ priority: input.boolean() }),
  auth: 'required',
  async handler({ input, viewer, ctx }) {
    await ctx.dataplane.putNotifSettings(requester(viewer), { priority: input.priority })
  },
})
