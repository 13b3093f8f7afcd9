import { ids } from '@atproto/api'
import { z } from 'zod'
import { defineQuery } from '#/api/xrpc/method.js'

/** The regions where this AppView asks for age assurance (none by default): public, as in the reference. */
export default defineQuery({
  nsid: ids.AppBskyAgeassuranceGetConfig,
  params: z.object({}),
  auth: 'optional',
  handler: async ({ ctx }) => ctx.accounts.ageAssurance.config,
})
