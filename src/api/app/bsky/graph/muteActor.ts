import { ids } from '@atproto/api'
import { InvalidRequestError } from '@atproto/xrpc-server'
import { z } from 'zod'
import { requester } from '#/api/uris.js'
import { input } from '#/api/xrpc/inputs.js'
import { defineProcedure } from '#/api/xrpc/method.js'

/** Mute an account, fully or only its reposts / quote posts; a repeat replaces the scope. */
export default defineProcedure({
  nsid: ids.AppBskyGraphMuteActor,
  params: z.object({}),
  input: z.object({ actor: input.atIdentifier(), onlyReposts: input.boolean().optional(), onlyQuoteposts: input.boolean().optional() }),
  auth: 'required',
  async handler({ input, viewer, ctx }) {
    const muter = requester(viewer)
    const [did] = await ctx.hydrator.resolveActors([input.actor])
    if (!did) throw new InvalidRequestError('Actor not found')
    if (did === muter) throw new InvalidRequestError('Actor cannot mute themselves')
    await ctx.dataplane.putMute(muter, 'actor', did, { onlyReposts: input.onlyReposts ?? false, onlyQuoteposts: input.onlyQuoteposts ?? false })
  },
})
