import { ids, type AppBskyGraphGetStarterPack } from '@atproto/api'
import { InvalidRequestError } from '@atproto/xrpc-server'
import { z } from 'zod'
import { hydrationContext } from '#/api/hydration-context.js'
import { noRules, pipeline } from '#/api/pipeline.js'
import { resolveUriHost } from '#/api/uris.js'
import { defineQuery } from '#/api/xrpc/method.js'
import { param } from '#/api/xrpc/params.js'
import { starterPackView } from '#/views/index.js'

const params = z.object({
  starterPack: param.atUri(),
})

type Params = z.output<typeof params>

const getStarterPack = pipeline<Params, { uri: string }, AppBskyGraphGetStarterPack.OutputSchema>({
  skeleton: async ({ params, ctx }) => ({ uri: await resolveUriHost(ctx, params.starterPack) }),
  hydrate: ({ ctx, hydrateCtx, skeleton }) => ctx.hydrator.hydrateStarterPacks([skeleton.uri], hydrateCtx),
  // Hydration leaves out hidden creators, and the member sample leaves out blocked members.
  rules: noRules,
  present({ skeleton, state }) {
    const starterPack = starterPackView(skeleton.uri, state)
    if (!starterPack) throw new InvalidRequestError('Starter pack not found')
    return { starterPack }
  },
})

export default defineQuery({
  nsid: ids.AppBskyGraphGetStarterPack,
  params,
  auth: 'optional',
  handler: (req) => getStarterPack(req.params, req.ctx, hydrationContext(req)),
})
