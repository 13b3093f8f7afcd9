import { ids } from '@atproto/api'
import { z } from 'zod'
import { requester } from '#/api/uris.js'
import { defineQuery } from '#/api/xrpc/method.js'
import { param } from '#/api/xrpc/params.js'

/** No matches: Magpie never matches contacts (see api/no-contacts.ts). */
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
