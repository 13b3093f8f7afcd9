import { ids } from '@atproto/api'
import { z } from 'zod'
import { requester } from '#/api/uris.js'
import { defineQuery } from '#/api/xrpc/method.js'

/** No sync status: in the lexicon's words, the account never imported contacts here (see api/no-contacts.ts). */
export default defineQuery({
  nsid: ids.AppBskyContactGetSyncStatus,
  params: z.object({}),
  auth: 'required',
  async handler({ viewer }) {
    requester(viewer)
    return {}
  },
})
