import { ids, type AppBskyActorSearchActorsTypeahead } from '@atproto/api'
import { z } from 'zod'
import { hydrationContext } from '#/api/hydration-context.js'
import { pipeline } from '#/api/pipeline.js'
import { viewerBlockExists } from '#/rules/actors.js'
import { MAX_ACTOR_QUERY_LENGTH, normalizeActorQuery } from '#/search/actor-query.js'
import { defineQuery } from '#/api/xrpc/method.js'
import { param } from '#/api/xrpc/params.js'
import { profileViewBasic } from '#/views/index.js'

const params = z.object({
  q: param.string({ maxLength: MAX_ACTOR_QUERY_LENGTH }).optional(),
  /** Deprecated alias of `q`, still sent by old clients. */
  term: param.string({ maxLength: MAX_ACTOR_QUERY_LENGTH }).optional(),
  limit: param.limit({ maximum: 100, default: 10 }),
})

type Params = z.output<typeof params>

const searchActorsTypeahead = pipeline<Params, { dids: string[] }, AppBskyActorSearchActorsTypeahead.OutputSchema>({
  async skeleton({ params, ctx, hydrateCtx }) {
    const term = normalizeActorQuery(params.q ?? params.term)
    const page = await ctx.dataplane.searchActors({ term, viewer: hydrateCtx.viewer, limit: params.limit, offset: 0, description: false })
    return { dids: page.dids }
  },
  hydrate: ({ ctx, hydrateCtx, skeleton }) => ctx.hydrator.hydrateProfiles(skeleton.dids, hydrateCtx),
  // As the reference AppView: a block either way hides the account, except when the query is
  // its exact handle, so that one can still find an account one has blocked.
  rules({ params, skeleton, state }) {
    const term = (params.q ?? params.term ?? '').toLowerCase()
    return {
      dids: skeleton.dids.filter((did) => {
        const actor = state.actors?.get(did)
        if (!actor) return false
        return actor.handle?.toLowerCase() === term || !viewerBlockExists(did, state)
      }),
    }
  },
  present: ({ skeleton, state }) => ({ actors: skeleton.dids.flatMap((did) => profileViewBasic(did, state) ?? []) }),
})

/** Accounts whose handle or display name starts with (or nearly matches) what is being typed. */
export default defineQuery({
  nsid: ids.AppBskyActorSearchActorsTypeahead,
  params,
  auth: 'optional',
  handler: (req) => searchActorsTypeahead(req.params, req.ctx, hydrationContext(req)),
})
