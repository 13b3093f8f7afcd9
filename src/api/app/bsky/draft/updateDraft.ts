import { ids } from '@atproto/api'
import { z } from 'zod'
import { requester } from '#/api/uris.js'
import { input } from '#/api/xrpc/inputs.js'
import { defineProcedure } from '#/api/xrpc/method.js'

/**
 * Replace one of the requester's drafts. An id it has no draft under is ignored, as the lexicon
 * says: updates are not counted against the limit, so they never create a draft.
 */
export default defineProcedure({
  nsid: ids.AppBskyDraftUpdateDraft,
  params: z.object({}),
  input: z.object({ draft: z.object({ id: input.tid(), draft: input.lexicon('app.bsky.draft.defs#draft') }) }),
  auth: 'required',
  async handler({ input, viewer, ctx }) {
    await ctx.dataplane.updateDraft(requester(viewer), input.draft.id, input.draft.draft)
  },
})
