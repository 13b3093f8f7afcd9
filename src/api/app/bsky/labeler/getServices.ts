import { ids, type AppBskyLabelerGetServices } from '@atproto/api'
import { z } from 'zod'
import { hydrationContext } from '#/api/hydration-context.js'
import { noRules, pipeline } from '#/api/pipeline.js'
import { defineQuery } from '#/api/xrpc/method.js'
import { param } from '#/api/xrpc/params.js'
import { labelerView, labelerViewDetailed } from '#/views/index.js'

const params = z.object({
  dids: param.array(param.did()),
  detailed: param.boolean().default(false),
})

type Params = z.output<typeof params>

/** Labeler services by account, in the order asked; accounts without one (or hidden) are left out. */
const getServices = pipeline<Params, { dids: string[] }, AppBskyLabelerGetServices.OutputSchema>({
  skeleton: async ({ params }) => ({ dids: params.dids }),
  hydrate: ({ ctx, hydrateCtx, skeleton }) => ctx.hydrator.hydrateLabelers(skeleton.dids, hydrateCtx),
  rules: noRules,
  present({ params, skeleton, state }) {
    const views = skeleton.dids.flatMap((did): AppBskyLabelerGetServices.OutputSchema['views'] => {
      if (params.detailed) {
        const view = labelerViewDetailed(did, state)
        return view ? [{ $type: 'app.bsky.labeler.defs#labelerViewDetailed' as const, ...view }] : []
      }
      const view = labelerView(did, state)
      return view ? [{ $type: 'app.bsky.labeler.defs#labelerView' as const, ...view }] : []
    })
    return { views }
  },
})

export default defineQuery({
  nsid: ids.AppBskyLabelerGetServices,
  params,
  auth: 'optional',
  handler: (req) => getServices(req.params, req.ctx, hydrationContext(req)),
})
