import { ids } from '@atproto/api'
import { z } from 'zod'
import { ageAssuranceState, refuseInitiation } from '#/api/age-assurance-policy.js'
import { ageAssuranceRequest } from '#/api/age-assurance-request.js'
import { requester } from '#/api/uris.js'
import { defineProcedure } from '#/api/xrpc/method.js'

/** The older form of app.bsky.ageassurance.begin, answered the same way. */
export default defineProcedure({
  nsid: ids.AppBskyUnspeccedInitAgeAssurance,
  params: z.object({}),
  input: ageAssuranceRequest,
  auth: 'required',
  async handler({ input, viewer, ctx }) {
    requester(viewer)
    const policy = ctx.accounts.ageAssurance
    if (!policy.notRequired) refuseInitiation(policy, input.countryCode)
    return { status: ageAssuranceState(policy).status }
  },
})
