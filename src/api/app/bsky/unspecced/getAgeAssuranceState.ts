import { ids } from '@atproto/api'
import { z } from 'zod'
import { ageAssuranceState } from '#/api/age-assurance-policy.js'
import { requester } from '#/api/uris.js'
import { defineQuery } from '#/api/xrpc/method.js'

/** The older form of app.bsky.ageassurance.getState: the requester's status under this AppView's policy. */
export default defineQuery({
  nsid: ids.AppBskyUnspeccedGetAgeAssuranceState,
  params: z.object({}),
  auth: 'required',
  async handler({ viewer, ctx }) {
    requester(viewer)
    return { status: ageAssuranceState(ctx.accounts.ageAssurance).status }
  },
})
