import { ids } from '@atproto/api'
import { InvalidRequestError } from '@atproto/xrpc-server'
import { z } from 'zod'
import { hydrationContext } from '#/api/hydration-context.js'
import { requester } from '#/api/uris.js'
import { activitySubscriptionRefusal, REFUSAL_MESSAGES } from '#/rules/activity-subscriptions.js'
import { input } from '#/api/xrpc/inputs.js'
import { defineProcedure } from '#/api/xrpc/method.js'

/**
 * Subscribe to an account's posts and/or replies, change what to hear of, or (both false)
 * unsubscribe. Kept privately; subscribing honours the account's declaration (who may), with a
 * message saying what would allow it. Unsubscribing is always possible.
 */
export default defineProcedure({
  nsid: ids.AppBskyNotificationPutActivitySubscription,
  params: z.object({}),
  input: z.object({ subject: input.did(), activitySubscription: z.object({ post: input.boolean(), reply: input.boolean() }) }),
  auth: 'required',
  async handler(req) {
    const { input, viewer, ctx } = req
    const me = requester(viewer)
    const { subject, activitySubscription: wants } = input
    if (subject === me) throw new InvalidRequestError('Cannot subscribe to own activity')
    const enabled = wants.post || wants.reply
    if (enabled) {
      const state = await ctx.hydrator.hydrateProfiles([subject], hydrationContext(req, me))
      const refusal = activitySubscriptionRefusal(subject, state)
      if (refusal) throw new InvalidRequestError(REFUSAL_MESSAGES[refusal])
    }
    await ctx.dataplane.putActivitySubscription(me, subject, { post: wants.post, reply: wants.reply })
    return { subject, activitySubscription: enabled ? { post: wants.post, reply: wants.reply } : undefined }
  },
})
