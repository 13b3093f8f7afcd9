import { ids } from '@atproto/api'
import { TID } from '@atproto/common-web'
import { InvalidRequestError } from '@atproto/xrpc-server'
import { z } from 'zod'
import { requester } from '#/api/uris.js'
import { input } from '#/api/xrpc/inputs.js'
import { defineProcedure } from '#/api/xrpc/method.js'

/** Keep a new draft, privately; past the configured number of drafts, the lexicon's DraftLimitReached. */
export default defineProcedure({
  nsid: ids.AppBskyDraftCreateDraft,
  params: z.object({}),
  input: z.object({ draft: input.lexicon('app.bsky.draft.defs#draft') }),
  auth: 'required',
  async handler({ input, viewer, ctx }) {
    const me = requester(viewer)
    if ((await ctx.dataplane.countDrafts(me)) >= ctx.accounts.draftsLimit) {
      throw new InvalidRequestError(`Drafts limit reached: an account keeps at most ${ctx.accounts.draftsLimit}`, 'DraftLimitReached')
    }
    const id = TID.nextStr()
    await ctx.dataplane.createDraft(me, id, input.draft)
    return { id }
  },
})
