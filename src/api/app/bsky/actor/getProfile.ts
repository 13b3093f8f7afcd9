import { ids, type AppBskyActorGetProfile } from '@atproto/api'
import { InvalidRequestError } from '@atproto/xrpc-server'
import { z } from 'zod'
import { hydrationContext } from '#/api/hydration-context.js'
import { pipeline } from '#/api/pipeline.js'
import { actorIsDeactivated, actorIsTakendown } from '#/rules/actors.js'
import { defineQuery } from '#/api/xrpc/method.js'
import { param } from '#/api/xrpc/params.js'
import { profileViewDetailed } from '#/views/index.js'

const params = z.object({
  actor: param.atIdentifier(),
})

type Params = z.output<typeof params>

const getProfile = pipeline<Params, { did: string }, AppBskyActorGetProfile.OutputSchema>({
  async skeleton({ params, ctx }) {
    const [did] = await ctx.hydrator.resolveActors([params.actor])
    if (!did) throw new InvalidRequestError('Profile not found')
    return { did }
  },
  // Hydrated even when not hosted, so the answer can say why the profile is unavailable.
  hydrate: ({ ctx, hydrateCtx, skeleton }) =>
    ctx.hydrator.hydrateProfilesDetailed([skeleton.did], hydrateCtx, { includeTakedownsFor: [skeleton.did] }),
  rules({ skeleton, state }) {
    if (!state.actors?.get(skeleton.did)) throw new InvalidRequestError('Profile not found')
    if (actorIsTakendown(skeleton.did, state)) throw new InvalidRequestError('Account has been suspended', 'AccountTakedown')
    if (actorIsDeactivated(skeleton.did, state)) throw new InvalidRequestError('Account is deactivated', 'AccountDeactivated')
    return skeleton
  },
  present({ skeleton, state }) {
    const view = profileViewDetailed(skeleton.did, state)
    if (!view) throw new InvalidRequestError('Profile not found')
    return view
  },
})

export default defineQuery({
  nsid: ids.AppBskyActorGetProfile,
  params,
  auth: 'optional',
  handler: (req) => getProfile(req.params, req.ctx, hydrationContext(req)),
})
