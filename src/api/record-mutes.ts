import { z } from 'zod'
import { recordUriIn, requester } from '#/api/uris.js'
import { input } from '#/api/xrpc/inputs.js'
import { defineProcedure } from '#/api/xrpc/method.js'

/**
 * muteActorList / unmuteActorList / muteThread / unmuteThread: the requester's private mute of
 * one record (a list, or a thread by its root post), named by an AT URI in the input's `field`.
 */
export function recordMuteProcedure(def: { nsid: string; kind: 'list' | 'thread'; field: string; collection: string; mute: boolean }) {
  return defineProcedure({
    nsid: def.nsid,
    params: z.object({}),
    input: z.object({ [def.field]: input.atUri() }),
    auth: 'required',
    async handler({ input, viewer, ctx }) {
      const muter = requester(viewer)
      const subject = await recordUriIn(ctx, input[def.field] as string, def.collection, def.field)
      if (def.mute) await ctx.dataplane.putMute(muter, def.kind, subject)
      else await ctx.dataplane.deleteMute(muter, def.kind, subject)
    },
  })
}
