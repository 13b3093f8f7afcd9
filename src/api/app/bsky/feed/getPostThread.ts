import { ids, type AppBskyFeedGetPostThread } from '@atproto/api'
import { InvalidRequestError } from '@atproto/xrpc-server'
import { z } from 'zod'
import { noRules, pipeline } from '#/api/pipeline.js'
import { resolveUriHost } from '#/api/uris.js'
import { replyRootOf } from '#/dataplane/posts.js'
import type { StoredRecord } from '#/dataplane/index.js'
import { isPostUri, threadgateUriOf } from '#/rules/gates.js'
import { defineQuery } from '#/server/xrpc/method.js'
import { param } from '#/server/xrpc/params.js'
import { threadgateView } from '#/views/posts.js'
import { threadView } from '#/views/threads.js'

const params = z.object({
  uri: param.atUri(),
  depth: param.integer({ minimum: 0, maximum: 1000 }).default(6),
  parentHeight: param.integer({ minimum: 0, maximum: 1000 }).default(80),
})

type Params = z.output<typeof params>

interface Skeleton {
  anchor: string
  /** Ancestors (child first, the anchor included) then descendants. */
  posts: StoredRecord[]
}

const getPostThread = pipeline<Params, Skeleton, AppBskyFeedGetPostThread.OutputSchema>({
  async skeleton({ params, ctx }) {
    const anchor = await resolveUriHost(ctx, params.uri)
    if (!isPostUri(anchor)) return { anchor, posts: [] }
    const ancestors = await ctx.dataplane.getAncestorsAndSelf(anchor, params.parentHeight)
    if (ancestors.length === 0) return { anchor, posts: [] }
    return { anchor, posts: [...ancestors, ...(await ctx.dataplane.getDescendants(anchor, params.depth))] }
  },
  hydrate: ({ ctx, hydrateCtx, skeleton }) => ctx.hydrator.posts.hydrateThreadPosts(skeleton.posts, hydrateCtx),
  // Blocks and gates are applied while building the tree: a blocked parent shows as blocked, a blocked reply is left out.
  rules: noRules,
  present({ params, skeleton, state }) {
    const { anchor } = skeleton
    const thread = threadView({ anchor, uris: skeleton.posts.map((p) => p.uri) }, state, { height: params.parentHeight, depth: params.depth })
    if (thread.$type === 'app.bsky.feed.defs#notFoundPost') throw new InvalidRequestError(`Post not found: ${anchor}`, 'NotFound')
    const root = replyRootOf(state.posts?.get(anchor) ?? undefined) ?? anchor
    return { thread, threadgate: threadgateView(threadgateUriOf(root), state) }
  },
})

export default defineQuery({
  nsid: ids.AppBskyFeedGetPostThread,
  params,
  auth: 'optional',
  handler: ({ params, viewer, ctx }) => getPostThread(params, ctx, ctx.hydrator.createContext({ viewer })),
})
