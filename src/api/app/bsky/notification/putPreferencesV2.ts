import { ids } from '@atproto/api'
import { z } from 'zod'
import { completePreferences } from '#/api/notification-preferences.js'
import { requester } from '#/api/uris.js'
import { defineProcedure } from '#/api/xrpc/method.js'

const include = z.enum(['all', 'follows'], { errorMap: () => ({ message: 'must be all or follows' }) })
const flag = z.boolean({ invalid_type_error: 'must be a boolean' })
const filterable = z.object({ include, list: flag, push: flag })
const plain = z.object({ list: flag, push: flag })

/** Replaces the preferences given, keeps the others; answers the whole set as now stored. */
export default defineProcedure({
  nsid: ids.AppBskyNotificationPutPreferencesV2,
  params: z.object({}),
  input: z.object({
    // Deprecated in the lexicon and ignored, as by the reference AppView.
    chat: z.object({ include: z.enum(['all', 'accepted']), push: flag }).optional(),
    follow: filterable.optional(),
    like: filterable.optional(),
    likeViaRepost: filterable.optional(),
    mention: filterable.optional(),
    quote: filterable.optional(),
    reply: filterable.optional(),
    repost: filterable.optional(),
    repostViaRepost: filterable.optional(),
    starterpackJoined: plain.optional(),
    subscribedPost: plain.optional(),
    unverified: plain.optional(),
    verified: plain.optional(),
  }),
  auth: 'required',
  async handler({ input, viewer, ctx }) {
    const me = requester(viewer)
    const current = await ctx.dataplane.getNotifState(me)
    const { chat: _deprecated, ...given } = input
    const preferences = completePreferences({ ...completePreferences(current.preferences), ...given })
    await ctx.dataplane.putNotifSettings(me, { preferences: preferences as unknown as Record<string, unknown> })
    return { preferences }
  },
})
