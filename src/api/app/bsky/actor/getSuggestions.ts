import { ids, type AppBskyActorGetSuggestions } from '@atproto/api'
import { z } from 'zod'
import { definePagedQuery } from '#/api/paging.js'
import { pipeline } from '#/api/pipeline.js'
import { pageOfRanked } from '#/api/ranked-list-pages.js'
import { suggestableActor } from '#/rules/actors.js'
import { param } from '#/api/xrpc/params.js'
import { profileViewKnownFollowers } from '#/views/index.js'

const params = z.object({
  limit: param.limit({ maximum: 100, default: 50 }),
  cursor: param.cursor().optional(),
})

type Params = z.output<typeof params>

interface Skeleton {
  dids: string[]
  cursor?: string
}

/**
 * Accounts to follow: those followed by the most of the accounts the viewer follows, then the
 * most followed lately (all an anonymous viewer, or one who follows no one, gets). Never the
 * viewer, whom it follows, blocks either way, mutes, or accounts not shown.
 */
export const getSuggestions = pipeline<Params, Skeleton, AppBskyActorGetSuggestions.OutputSchema>({
  async skeleton({ params, ctx, hydrateCtx }) {
    const { ranked } = await ctx.dataplane.getFollowSuggestions(hydrateCtx.viewer)
    const page = pageOfRanked(ranked, params.cursor, params.limit)
    return { dids: page.keys, cursor: page.cursor }
  },
  hydrate: ({ ctx, hydrateCtx, skeleton }) => ctx.hydrator.hydrateProfilesKnownFollowers(skeleton.dids, hydrateCtx),
  rules: ({ skeleton, state }) => ({ ...skeleton, dids: skeleton.dids.filter((did) => suggestableActor(did, state)) }),
  present: ({ skeleton, state }) => ({
    actors: skeleton.dids.flatMap((did) => profileViewKnownFollowers(did, state) ?? []),
    cursor: skeleton.cursor,
  }),
})

export default definePagedQuery({
  nsid: ids.AppBskyActorGetSuggestions,
  params,
  auth: 'optional',
  expensive: true,
  run: getSuggestions,
  items: (out) => out.actors,
})
