import type { ApiContext } from '#/api/context.js'
import { resolveUriHost } from '#/api/uris.js'
import type { StoredRecord, ThreadReach } from '#/dataplane/index.js'
import { isPostUri } from '#/records/at-uri.js'

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

export async function threadPosts(ctx: ApiContext, uri: string, reach: ThreadReach): Promise<ThreadPosts> {
  const anchor = await resolveUriHost(ctx, uri)
  if (!isPostUri(anchor)) return { anchor, posts: [] }
  const { ancestors, descendants, opThread } = await ctx.dataplane.getThread(anchor, reach)
  if (ancestors.length === 0) return { anchor, posts: [] }
  return { anchor, posts: [...ancestors, ...descendants], opThread }
}
