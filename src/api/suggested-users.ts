import type { AppBskyUnspeccedGetSuggestedUsers } from '@atproto/api'
import { z } from 'zod'
import { getSuggestions } from '#/api/app/bsky/actor/getSuggestions.js'
import { hydrationContext } from '#/api/hydration-context.js'
import { firstItems } from '#/api/paging.js'
import { defineQuery } from '#/api/xrpc/method.js'
import { param } from '#/api/xrpc/params.js'

const params = z.object({
  // Accepted and not used: Magpie's suggestions come from the viewer's network and what is
  // popular, not from interest categories.
  category: param.string({ maxLength: 100 }).optional(),
  limit: param.limit({ maximum: 50, default: 25 }),
})

/**
 * The unspecced suggested-users methods (for the Discover interstitial, the Explore screen,
 * "see more", onboarding): the first `limit` of getSuggestions' accounts — followed by many of
 * whom the viewer follows, then the most followed lately, which is what a new account gets —
 * under the same rules. The reference AppView asks a closed suggestions service instead.
 */
export function suggestedUsersQuery(nsid: string) {
  return defineQuery({
    nsid,
    params,
    auth: 'optional',
    expensive: true,
    async handler(req): Promise<AppBskyUnspeccedGetSuggestedUsers.OutputSchema> {
      const { params, ctx } = req
      const hydrateCtx = hydrationContext(req)
      const actors = await firstItems(params.limit, (page) => getSuggestions(page, ctx, hydrateCtx), (out) => out.actors)
      return { actors }
    },
  })
}
