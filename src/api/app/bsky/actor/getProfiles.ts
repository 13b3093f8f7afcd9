import { ids, type AppBskyActorGetProfiles } from '@atproto/api'
import { z } from 'zod'
import { hydrationContext } from '#/api/hydration-context.js'
import { noRules, pipeline } from '#/api/pipeline.js'
import { defineQuery } from '#/api/xrpc/method.js'
import { param } from '#/api/xrpc/params.js'
import { profileViewDetailed } from '#/views/index.js'

const params = z.object({
  actors: param.array(param.atIdentifier(), { maxLength: 25 }),
})

type Params = z.output<typeof params>

const getProfiles = pipeline<Params, { dids: string[] }, AppBskyActorGetProfiles.OutputSchema>({
  async skeleton({ params, ctx }) {
    const dids = await ctx.hydrator.resolveActors(params.actors)
    return { dids: dids.filter((did) => did !== undefined) }
  },
  hydrate: ({ ctx, hydrateCtx, skeleton }) => ctx.hydrator.hydrateProfilesDetailed(skeleton.dids, hydrateCtx),
  // Accounts that are not hosted were left out by hydration: a batch simply omits them.
  rules: noRules,
  present({ skeleton, state }) {
    return { profiles: skeleton.dids.flatMap((did) => profileViewDetailed(did, state) ?? []) }
  },
})

export default defineQuery({
  nsid: ids.AppBskyActorGetProfiles,
  params,
  auth: 'optional',
  // The chat service asks for profiles with its own methods' tokens.
  acceptLxm: (lxm) => lxm === ids.AppBskyActorGetProfiles || !!lxm?.startsWith('chat.bsky.'),
  handler: (req) => getProfiles(req.params, req.ctx, hydrationContext(req)),
})
