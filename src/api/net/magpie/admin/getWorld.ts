import { z } from 'zod'
import { defineQuery } from '#/api/xrpc/method.js'
import { adminOf } from '#/api/world-admin.js'

/** The small world's definition, policy and members (lexicons/net/magpie/admin/getWorld.json); the operator's token only. */
export default defineQuery({
  nsid: 'net.magpie.admin.getWorld',
  params: z.object({}),
  auth: 'none',
  async handler({ ctx, headers }) {
    const admin = adminOf(ctx)
    admin.authorize(headers.authorization)
    return admin.describe()
  },
})
