import { ids, type AppBskyUnspeccedGetPostThreadOtherV2 } from '@atproto/api'
import { z } from 'zod'
import { hydrationContext } from '#/api/hydration-context.js'
import { noRules, pipeline } from '#/api/pipeline.js'
import { threadPosts, type ThreadPosts } from '#/api/thread-skeleton.js'
import { defineQuery } from '#/api/xrpc/method.js'
import { param } from '#/api/xrpc/params.js'
import { threadOtherV2 } from '#/views/index.js'

const params = z.object({
  anchor: param.atUri(),
})

type Params = z.output<typeof params>

const getPostThreadOtherV2 = pipeline<Params, ThreadPosts, AppBskyUnspeccedGetPostThreadOtherV2.OutputSchema>({
  // Only the anchor's direct replies: a client opens one of them as an anchor to see further.
  skeleton: ({ params, ctx }) => threadPosts(ctx, params.anchor, { height: 0, depth: 1 }),
  hydrate: ({ ctx, hydrateCtx, skeleton }) => ctx.hydrator.posts.hydrateThreadPosts(skeleton.posts, hydrateCtx),
  // Blocks and gates are applied while picking the replies.
  rules: noRules,
  present: ({ skeleton, state }) => ({ thread: threadOtherV2({ anchor: skeleton.anchor, uris: skeleton.posts.map((p) => p.uri) }, state) }),
})

export default defineQuery({
  nsid: ids.AppBskyUnspeccedGetPostThreadOtherV2,
  params,
  auth: 'optional',
  handler: (req) => getPostThreadOtherV2(req.params, req.ctx, hydrationContext(req)),
})
