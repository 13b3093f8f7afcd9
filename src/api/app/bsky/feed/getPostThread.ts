import { ids, type AppBskyFeedGetPostThread } from '@atproto/api'
import { InvalidRequestError } from '@atproto/xrpc-server'
import { z } from 'zod'
import { hydrationContext } from '#/api/hydration-context.js'
import { noRules, pipeline } from '#/api/pipeline.js'
import { threadPosts, type ThreadPosts } from '#/api/thread-skeleton.js'
import { defineQuery } from '#/api/xrpc/method.js'
import { param } from '#/api/xrpc/params.js'
import { threadgateOfThread, threadView } from '#/views/index.js'

const params = z.object({
  uri: param.atUri(),
  depth: param.integer({ minimum: 0, maximum: 1000 }).default(6),
  parentHeight: param.integer({ minimum: 0, maximum: 1000 }).default(80),
})

type Params = z.output<typeof params>

const getPostThread = pipeline<Params, ThreadPosts, AppBskyFeedGetPostThread.OutputSchema>({
  skeleton: ({ params, ctx }) => threadPosts(ctx, params.uri, { height: params.parentHeight, depth: params.depth }),
  hydrate: ({ ctx, hydrateCtx, skeleton }) => ctx.hydrator.posts.hydrateThreadPosts(skeleton.posts, hydrateCtx),
  // Blocks and gates are applied while building the tree: a blocked parent shows as blocked, a blocked reply is left out.
  rules: noRules,
  present({ params, skeleton, state }) {
    const { anchor } = skeleton
    const thread = threadView({ anchor, uris: skeleton.posts.map((p) => p.uri) }, state, { height: params.parentHeight, depth: params.depth })
    if (thread.$type === 'app.bsky.feed.defs#notFoundPost') throw new InvalidRequestError(`Post not found: ${anchor}`, 'NotFound')
    return { thread, threadgate: threadgateOfThread(anchor, state) }
  },
})

export default defineQuery({
  nsid: ids.AppBskyFeedGetPostThread,
  params,
  auth: 'optional',
  handler: (req) => getPostThread(req.params, req.ctx, hydrationContext(req)),
})
