import { ids, type AppBskyUnspeccedGetPostThreadV2 } from '@atproto/api'
import { z } from 'zod'
import { hydrationContext } from '#/api/hydration-context.js'
import { noRules, pipeline } from '#/api/pipeline.js'
import { threadPosts, type ThreadPosts } from '#/api/thread-skeleton.js'
import { defineQuery } from '#/api/xrpc/method.js'
import { param } from '#/api/xrpc/params.js'
import { threadgateOfThread, threadV2 } from '#/views/index.js'

/** How far up `above` reaches (the reference AppView's default limit on parents). */
const MAX_PARENTS = 50

const params = z.object({
  anchor: param.atUri(),
  above: param.boolean().default(true),
  below: param.integer({ minimum: 0, maximum: 20 }).default(6),
  branchingFactor: param.integer({ minimum: 0, maximum: 100 }).default(10),
  // Known values are newest, oldest and top; any other sorts newest first.
  sort: param.string().default('oldest'),
})

type Params = z.output<typeof params>

const getPostThreadV2 = pipeline<Params, ThreadPosts, AppBskyUnspeccedGetPostThreadV2.OutputSchema>({
  skeleton: ({ params, ctx }) => threadPosts(ctx, params.anchor, { height: parentsAbove(params), depth: params.below, opThread: true }),
  hydrate: ({ ctx, hydrateCtx, skeleton }) =>
    ctx.hydrator.posts.hydrateThreadPosts(skeleton.posts, hydrateCtx, { knownLikersOf: [skeleton.anchor] }),
  // Blocks, mutes and gates are applied while building the thread: what they hide is left out, or set apart as other replies.
  rules: noRules,
  present({ params, skeleton, state }) {
    const { anchor, opThread } = skeleton
    const { thread, hasOtherReplies } = threadV2({ anchor, uris: skeleton.posts.map((p) => p.uri), opThread }, state, {
      above: parentsAbove(params),
      below: params.below,
      branchingFactor: params.branchingFactor,
      sort: params.sort,
    })
    return { thread, threadgate: threadgateOfThread(anchor, state), hasOtherReplies }
  },
})

function parentsAbove(params: Params): number {
  return params.above ? MAX_PARENTS : 0
}

export default defineQuery({
  nsid: ids.AppBskyUnspeccedGetPostThreadV2,
  params,
  auth: 'optional',
  handler: (req) => getPostThreadV2(req.params, req.ctx, hydrationContext(req)),
})
