import { z } from 'zod'
import { defineProcedure } from '#/api/xrpc/method.js'
import { adminOf } from '#/api/world-admin.js'

const selectors = z.array(z.string().min(1).max(1000)).max(1000).optional()

/**
 * Changes the small world (lexicons/net/magpie/admin/updateWorld.json): selectors to remove and
 * to add, policy changes; all checked before anything is written, refused as a whole with every
 * reason. Running ingests act on it within WORLD_POLL_MS. The operator's token only.
 */
export default defineProcedure({
  nsid: 'net.magpie.admin.updateWorld',
  params: z.object({}),
  input: z.object({
    add: selectors,
    remove: selectors,
    policy: z
      .object({ touching: z.string().max(16).optional(), onRemove: z.string().max(16).optional(), retentionDays: z.union([z.number().int(), z.literal('off')]).optional() })
      .optional(),
  }),
  auth: 'none',
  async handler({ ctx, headers, input }) {
    const admin = adminOf(ctx)
    admin.authorize(headers.authorization)
    const p = input.policy
    return admin.update({ add: input.add, remove: input.remove, policy: p && { ...p, retentionDays: p.retentionDays === undefined ? undefined : String(p.retentionDays) } })
  },
})
