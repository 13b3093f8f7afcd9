import { ids } from '@atproto/api'
import { z } from 'zod'
import { ageAssuranceState, refuseInitiation } from '#/api/age-assurance-policy.js'
import { requester } from '#/api/uris.js'
import { ageAssuranceRequest } from '#/api/age-assurance-request.js'
import { defineProcedure } from '#/api/xrpc/method.js'
import { input } from '#/api/xrpc/inputs.js'

/**
 * Start the age assurance flow. Where none is required there is nothing to start: the answer is
 * the state the account is already in (assured), so the app moves on. Otherwise the lexicon's
 * errors say why it cannot start here.
 */
export default defineProcedure({
  nsid: ids.AppBskyAgeassuranceBegin,
  params: z.object({}),
  input: ageAssuranceRequest.extend({ regionCode: input.string(16).optional() }),
  auth: 'required',
  async handler({ input, viewer, ctx }) {
    requester(viewer)
    const policy = ctx.accounts.ageAssurance
    if (!policy.notRequired) refuseInitiation(policy, input.countryCode, input.regionCode)
    return ageAssuranceState(policy)
  },
})
