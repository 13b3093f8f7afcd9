import { ids } from '@atproto/api'
import { isDatetimeString } from '@atproto/syntax'
import { z } from 'zod'
import { ageAssuranceState } from '#/api/age-assurance-policy.js'
import { requester } from '#/api/uris.js'
import { defineQuery } from '#/api/xrpc/method.js'
import { param } from '#/api/xrpc/params.js'

/**
 * The requester's age assurance state under this AppView's policy, and when its account was
 * made (its profile's createdAt: Magpie sees no account creation), which the app's rules may use.
 */
export default defineQuery({
  nsid: ids.AppBskyAgeassuranceGetState,
  params: z.object({
    countryCode: param.string({ minLength: 2, maxLength: 2 }),
    regionCode: param.string({ maxLength: 16 }).optional(),
  }),
  auth: 'required',
  async handler({ viewer, ctx }) {
    const me = requester(viewer)
    const profileUri = `at://${me}/app.bsky.actor.profile/self`
    const createdAt = (await ctx.dataplane.getRecords([profileUri])).get(profileUri)?.record.createdAt
    return {
      state: ageAssuranceState(ctx.accounts.ageAssurance),
      metadata: { accountCreatedAt: typeof createdAt === 'string' && isDatetimeString(createdAt) ? createdAt : undefined },
    }
  },
})
