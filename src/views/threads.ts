import type { $Typed, AppBskyFeedDefs, Un$Typed } from '@atproto/api'
import { replyParentOf, replyRootOf } from '#/records/post-record.js'
import type { HydrationState } from '#/hydration/state.js'
import { viewerBlockExists } from '#/rules/actors.js'
import { didOfUri } from '#/records/at-uri.js'
import { blockedPost, notFoundPost } from '#/views/post-refs.js'
import { postView } from '#/views/posts.js'

/**
 * app.bsky.feed.getPostThread's tree: the anchor post, its parents up to `height` and its
 * replies down to `depth`, as the reference AppView builds it. Parents that are gone show as
 * not found and blocked ones as blocked; replies that are gone, violate the thread's gate,
 * block their parent's author, or belong to another thread are left out.
 */

type ThreadNode = $Typed<AppBskyFeedDefs.ThreadViewPost> | $Typed<AppBskyFeedDefs.NotFoundPost> | $Typed<AppBskyFeedDefs.BlockedPost>

export interface ThreadSkeleton {
  anchor: string
  /** The anchor's ancestors and descendants (each post's replies newest first). */
  uris: string[]
}

export function threadView(skeleton: ThreadSkeleton, state: HydrationState, opts: { height: number; depth: number }): ThreadNode {
  const { anchor } = skeleton
  const post = postView(anchor, state)
  const info = state.posts?.get(anchor)
  if (!info || !post) return notFoundPost(anchor)
  if (viewerBlockExists(post.author.did, state)) return blockedPost(anchor, post.author.did, state)
  const children = childrenByParent(skeleton, state)
  const root = replyRootOf(info) ?? anchor
  // A reply its thread's gate disallowed is shown alone, outside the thread.
  return {
    $type: 'app.bsky.feed.defs#threadViewPost',
    post,
    parent: info.violatesThreadGate ? undefined : threadParent(anchor, root, state, opts.height),
    replies: info.violatesThreadGate ? undefined : threadReplies(anchor, root, children, state, opts.depth),
    threadContext: { rootAuthorLike: state.rootAuthorLikes?.get(anchor) },
  }
}

function threadParent(childUri: string, root: string, state: HydrationState, height: number): ThreadNode | undefined {
  if (height < 1) return undefined
  const parentUri = replyParentOf(state.posts?.get(childUri) ?? undefined)
  if (!parentUri) return undefined
  if (state.postBlocks?.get(childUri)?.parent) return blockedPost(parentUri, didOfUri(parentUri), state)
  const post = postView(parentUri, state)
  const info = state.posts?.get(parentUri)
  if (!info || !post) return notFoundPost(parentUri)
  // A parent from another thread (a forged reply reference) ends the chain.
  if ((replyRootOf(info) ?? parentUri) !== root) return undefined
  if (viewerBlockExists(post.author.did, state)) return blockedPost(parentUri, post.author.did, state)
  return {
    $type: 'app.bsky.feed.defs#threadViewPost',
    post,
    parent: threadParent(parentUri, root, state, height - 1),
    threadContext: { rootAuthorLike: state.rootAuthorLikes?.get(parentUri) },
  }
}

function threadReplies(
  parentUri: string,
  root: string,
  children: Map<string, string[]>,
  state: HydrationState,
  depth: number,
): ThreadNode[] | undefined {
  if (depth < 1) return undefined
  return (children.get(parentUri) ?? []).flatMap((uri): ThreadNode[] => {
    const post = threadReply(uri, root, state)
    if (!post) return []
    if (viewerBlockExists(post.author.did, state)) return [blockedPost(uri, post.author.did, state)]
    return [
      {
        $type: 'app.bsky.feed.defs#threadViewPost',
        post,
        replies: threadReplies(uri, root, children, state, depth - 1),
        threadContext: { rootAuthorLike: state.rootAuthorLikes?.get(uri) },
      },
    ]
  })
}

/**
 * A reply as a thread shows it, or undefined when it is left out: gone (deleted, or its author
 * hidden, which takes its own replies with it), disallowed by the thread's gate, across a block
 * with its parent's author, or from another thread.
 */
export function threadReply(uri: string, root: string, state: HydrationState): Un$Typed<AppBskyFeedDefs.PostView> | undefined {
  const info = state.posts?.get(uri)
  if (!info || info.violatesThreadGate || state.postBlocks?.get(uri)?.parent) return undefined
  const post = postView(uri, state)
  if (!post || (replyRootOf(info) ?? uri) !== root) return undefined
  return post
}

/** Each post's replies among the thread's posts, in skeleton order. */
export function childrenByParent(skeleton: ThreadSkeleton, state: HydrationState): Map<string, string[]> {
  const included = new Set([skeleton.anchor])
  const children = new Map<string, string[]>()
  for (const uri of skeleton.uris) {
    const parent = replyParentOf(state.posts?.get(uri) ?? undefined)
    if (!parent || included.has(uri)) continue
    included.add(uri)
    children.set(parent, [...(children.get(parent) ?? []), uri])
  }
  return children
}
