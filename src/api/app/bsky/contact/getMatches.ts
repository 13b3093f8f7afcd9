import { ids } from '@atproto/api'
import { z } from 'zod'
import { requester } from '#/api/uris.js'
import { defineQuery } from '#/server/xrpc/method.js'
import { param } from '#/server/xrpc/params.js'

/** No matches: Magpie never matches contacts (see no-contacts.ts). */
export default defineQuery({
  nsid: ids.AppBskyContactGetMatches,
  params: z.object({
    limit: param.limit({ maximum: 100, default: 50 }),
    cursor: param.cursor().optional(),
  }),
  auth: 'required',
  async handler({ viewer }) {
    requester(viewer)
    return { matches: [] }
  },
})
