import { ids } from '@atproto/api'
import { z } from 'zod'
import { completePreferences } from '#/api/notification-preferences.js'
import { requester } from '#/api/uris.js'
import { defineQuery } from '#/api/xrpc/method.js'

/** The requester's notification preferences (defaults until it puts some). */
export default defineQuery({
  nsid: ids.AppBskyNotificationGetPreferences,
  params: z.object({}),
  auth: 'required',
  async handler({ viewer, ctx }) {
    const state = await ctx.dataplane.getNotifState(requester(viewer))
    return { preferences: completePreferences(state.preferences) }
  },
})
