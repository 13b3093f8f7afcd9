import type { ApiContext } from '#/api/context.js'
import { resolveUriHost } from '#/api/uris.js'
import type { StoredRecord } from '#/dataplane/index.js'
import { replyRootOf } from '#/dataplane/posts.js'
import { isPostUri } from '#/rules/gates.js'

/**
 * The skeleton every thread method starts from: the anchor (its URI with a DID for host), its
 * ancestors and its replies, read through the data plane.
 */

export interface ThreadPosts {
  anchor: string
  /** Ancestors (child first, the anchor included) then descendants; empty when the anchor is gone. */
  posts: StoredRecord[]
  /** The root author's line of replies under the root, when asked for and there is one. */
  opThread?: string[]
}

export interface ThreadReach {
  /** Ancestors to read above the anchor. */
  height: number
  /** Levels of replies to read below it. */
  depth: number
  opThread?: boolean
}

export async function threadPosts(ctx: ApiContext, uri: string, reach: ThreadReach): Promise<ThreadPosts> {
  const anchor = await resolveUriHost(ctx, uri)
  if (!isPostUri(anchor)) return { anchor, posts: [] }
  const ancestors = await ctx.dataplane.getAncestorsAndSelf(anchor, reach.height)
  if (ancestors.length === 0) return { anchor, posts: [] }
  const root = replyRootOf(ancestors[0]) ?? anchor
  const [descendants, opThread] = await Promise.all([
    ctx.dataplane.getDescendants(anchor, reach.depth),
    reach.opThread ? ctx.dataplane.getOpThread(root) : undefined,
  ])
  return { anchor, posts: [...ancestors, ...descendants], opThread }
}
