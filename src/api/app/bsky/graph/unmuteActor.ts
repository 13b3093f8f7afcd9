import { ids } from '@atproto/api'
import { InvalidRequestError } from '@atproto/xrpc-server'
import { z } from 'zod'
import { requester } from '#/api/uris.js'
import { input } from '#/api/xrpc/inputs.js'
import { defineProcedure } from '#/api/xrpc/method.js'

/** Remove the requester's mute of an account (whatever its scope). */
export default defineProcedure({
  nsid: ids.AppBskyGraphUnmuteActor,
  params: z.object({}),
  input: z.object({ actor: input.atIdentifier() }),
  auth: 'required',
  async handler({ input, viewer, ctx }) {
    const muter = requester(viewer)
    const [did] = await ctx.hydrator.resolveActors([input.actor])
    if (!did) throw new InvalidRequestError('Actor not found')
    await ctx.dataplane.deleteMute(muter, 'actor', did)
  },
})
