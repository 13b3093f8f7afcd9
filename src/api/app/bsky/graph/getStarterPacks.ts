import { ids, type AppBskyGraphGetStarterPacks } from '@atproto/api'
import { z } from 'zod'
import { hydrationContext } from '#/api/hydration-context.js'
import { noRules, pipeline } from '#/api/pipeline.js'
import { defineQuery } from '#/api/xrpc/method.js'
import { param } from '#/api/xrpc/params.js'
import { starterPackViewBasic } from '#/views/index.js'

const params = z.object({
  uris: param.array(param.atUri(), { maxLength: 25 }),
})

type Params = z.output<typeof params>

/** Basic views in the order asked (a URI asked twice is answered twice); unknown or hidden packs are left out. */
const getStarterPacks = pipeline<Params, { uris: string[] }, AppBskyGraphGetStarterPacks.OutputSchema>({
  skeleton: async ({ params }) => ({ uris: params.uris }),
  hydrate: ({ ctx, hydrateCtx, skeleton }) => ctx.hydrator.hydrateStarterPacksBasic([...new Set(skeleton.uris)], hydrateCtx),
  rules: noRules,
  present: ({ skeleton, state }) => ({ starterPacks: skeleton.uris.flatMap((uri) => starterPackViewBasic(uri, state) ?? []) }),
})

export default defineQuery({
  nsid: ids.AppBskyGraphGetStarterPacks,
  params,
  auth: 'optional',
  handler: (req) => getStarterPacks(req.params, req.ctx, hydrationContext(req)),
})
