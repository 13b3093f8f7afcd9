import { ids } from '@atproto/api'
import { z } from 'zod'
import { requester } from '#/api/uris.js'
import { input } from '#/api/xrpc/inputs.js'
import { defineProcedure } from '#/api/xrpc/method.js'

/** Remove one of the requester's drafts; removing one that is not there changes nothing. */
export default defineProcedure({
  nsid: ids.AppBskyDraftDeleteDraft,
  params: z.object({}),
  input: z.object({ id: input.tid() }),
  auth: 'required',
  async handler({ input, viewer, ctx }) {
    await ctx.dataplane.deleteDraft(requester(viewer), input.id)
  },
})
