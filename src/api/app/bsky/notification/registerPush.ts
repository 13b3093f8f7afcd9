import { ids } from '@atproto/api'
import { z } from 'zod'
import { pushRegistrationInput } from '#/api/push-registration.js'
import { requester } from '#/api/uris.js'
import { input } from '#/api/xrpc/inputs.js'
import { defineProcedure } from '#/api/xrpc/method.js'

/**
 * Register a device for push notifications. Magpie has no push gateway (README): the
 * registration is kept, privately, so the app's call succeeds and unregisterPush can undo it,
 * but no push is sent.
 */
export default defineProcedure({
  nsid: ids.AppBskyNotificationRegisterPush,
  params: z.object({}),
  input: pushRegistrationInput.extend({ ageRestricted: input.boolean().optional() }),
  auth: 'required',
  async handler({ input, viewer, ctx }) {
    await ctx.dataplane.putPushRegistration(requester(viewer), input)
  },
})
