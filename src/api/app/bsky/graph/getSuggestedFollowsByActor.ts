import { ids, type AppBskyGraphGetSuggestedFollowsByActor } from '@atproto/api'
import { InvalidRequestError } from '@atproto/xrpc-server'
import { z } from 'zod'
import { hydrationContext } from '#/api/hydration-context.js'
import { pipeline } from '#/api/pipeline.js'
import { suggestableActor } from '#/rules/actors.js'
import { defineQuery } from '#/api/xrpc/method.js'
import { param } from '#/api/xrpc/params.js'
import { profileViewKnownFollowers } from '#/views/index.js'

const params = z.object({
  actor: param.atIdentifier(),
})

type Params = z.output<typeof params>

/** Suggestions shown; candidates hydrated: room for those the rules leave out. */
const SUGGESTIONS = 25
const CANDIDATES = 2 * SUGGESTIONS

interface Skeleton {
  actor: string
  dids: string[]
  isFallback: boolean
}

/**
 * Accounts like `actor`, to follow next: those its followers follow more than everyone does
 * (co-follows), or when it has no such audience the most followed lately (isFallback). Never
 * the actor, the viewer, whom the viewer follows, blocks either way, mutes, accounts not shown.
 */
const getSuggestedFollowsByActor = pipeline<Params, Skeleton, AppBskyGraphGetSuggestedFollowsByActor.OutputSchema>({
  async skeleton({ params, ctx, hydrateCtx }) {
    const [actor] = await ctx.hydrator.resolveActors([params.actor])
    if (!actor) throw new InvalidRequestError('Actor not found')
    const { ranked, fallback } = await ctx.dataplane.getCoFollowSuggestions(actor, hydrateCtx.viewer)
    return { actor, dids: ranked.slice(0, CANDIDATES).map((r) => r.key), isFallback: fallback }
  },
  hydrate: ({ ctx, hydrateCtx, skeleton }) => ctx.hydrator.hydrateProfilesKnownFollowers(skeleton.dids, hydrateCtx),
  rules: ({ skeleton, state }) => ({
    ...skeleton,
    dids: skeleton.dids.filter((did) => did !== skeleton.actor && suggestableActor(did, state)).slice(0, SUGGESTIONS),
  }),
  present: ({ skeleton, state }) => ({
    suggestions: skeleton.dids.flatMap((did) => profileViewKnownFollowers(did, state) ?? []),
    isFallback: skeleton.isFallback,
  }),
})

export default defineQuery({
  nsid: ids.AppBskyGraphGetSuggestedFollowsByActor,
  params,
  auth: 'optional',
  expensive: true,
  handler: (req) => getSuggestedFollowsByActor(req.params, req.ctx, hydrationContext(req)),
})
