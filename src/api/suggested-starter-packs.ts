import type { AppBskyUnspeccedGetSuggestedStarterPacks } from '@atproto/api'
import { z } from 'zod'
import { hydrationContext } from '#/api/hydration-context.js'
import { pipeline } from '#/api/pipeline.js'
import { recommendableActor } from '#/rules/actors.js'
import { defineQuery } from '#/api/xrpc/method.js'
import { param } from '#/api/xrpc/params.js'
import { starterPackView } from '#/views/index.js'

const params = z.object({
  limit: param.limit({ maximum: 25, default: 10 }),
})

type Params = z.output<typeof params>

/** Candidates hydrated per pack asked for: room for those the rules leave out. */
const CANDIDATES_PER_PACK = 3

/**
 * Starter packs to suggest: those the most accounts joined through, then the newest; never the
 * viewer's own, nor those of accounts it has a block with, mutes, that are not shown or that
 * asked not to be recommended. The reference AppView asks a closed suggestions service instead.
 */
const suggestedStarterPacks = pipeline<Params, { uris: string[] }, AppBskyUnspeccedGetSuggestedStarterPacks.OutputSchema>({
  async skeleton({ params, ctx }) {
    const ranked = await ctx.dataplane.getPopularStarterPacks()
    return { uris: ranked.slice(0, params.limit * CANDIDATES_PER_PACK).map((r) => r.key) }
  },
  hydrate: ({ ctx, hydrateCtx, skeleton }) => ctx.hydrator.hydrateStarterPacks(skeleton.uris, hydrateCtx),
  rules: ({ skeleton, state }) => ({
    uris: skeleton.uris.filter((uri) => {
      const creator = state.starterPacks?.get(uri)?.did
      return !!creator && creator !== state.ctx.viewer && recommendableActor(creator, state)
    }),
  }),
  present: ({ params, skeleton, state }) => ({
    starterPacks: skeleton.uris.flatMap((uri) => starterPackView(uri, state) ?? []).slice(0, params.limit),
  }),
})

export function suggestedStarterPacksQuery(nsid: string) {
  return defineQuery({
    nsid,
    params,
    auth: 'optional',
    expensive: true,
    handler: (req) => suggestedStarterPacks(req.params, req.ctx, hydrationContext(req)),
  })
}
