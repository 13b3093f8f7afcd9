import { ids } from '@atproto/api'
import { z } from 'zod'
import { pushRegistrationInput } from '#/api/push-registration.js'
import { requester } from '#/api/uris.js'
import { defineProcedure } from '#/api/xrpc/method.js'

/** Forget a device registered with registerPush; one that is not registered is fine. */
export default defineProcedure({
  nsid: ids.AppBskyNotificationUnregisterPush,
  params: z.object({}),
  input: pushRegistrationInput,
  auth: 'required',
  async handler({ input, viewer, ctx }) {
    await ctx.dataplane.deletePushRegistration(requester(viewer), input)
  },
})
