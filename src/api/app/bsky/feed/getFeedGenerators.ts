import { ids, type AppBskyFeedGetFeedGenerators } from '@atproto/api'
import { z } from 'zod'
import { hydrationContext } from '#/api/hydration-context.js'
import { noRules, pipeline } from '#/api/pipeline.js'
import { defineQuery } from '#/api/xrpc/method.js'
import { param } from '#/api/xrpc/params.js'
import { generatorView } from '#/views/index.js'

const params = z.object({
  feeds: param.array(param.atUri()),
})

type Params = z.output<typeof params>

/** Generator views in the order asked; unknown generators and those of hidden creators are left out. */
const getFeedGenerators = pipeline<Params, { uris: string[] }, AppBskyFeedGetFeedGenerators.OutputSchema>({
  skeleton: async ({ params }) => ({ uris: params.feeds }),
  hydrate: ({ ctx, hydrateCtx, skeleton }) => ctx.hydrator.hydrateFeedGens(skeleton.uris, hydrateCtx),
  rules: noRules,
  present: ({ skeleton, state }) => ({ feeds: skeleton.uris.flatMap((uri) => generatorView(uri, state) ?? []) }),
})

export default defineQuery({
  nsid: ids.AppBskyFeedGetFeedGenerators,
  params,
  auth: 'optional',
  handler: (req) => getFeedGenerators(req.params, req.ctx, hydrationContext(req)),
})
