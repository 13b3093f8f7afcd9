import type {
  $Typed,
  AppBskyFeedDefs,
  AppBskyUnspeccedDefs,
  AppBskyUnspeccedGetPostThreadOtherV2,
  AppBskyUnspeccedGetPostThreadV2,
  Un$Typed,
} from '@atproto/api'
import { replyParentOf, replyRootOf } from '#/records/post-record.js'
import type { HydrationState } from '#/hydration/state.js'
import { viewerBlockExists, viewerMuteExists } from '#/rules/actors.js'
import { didOfUri } from '#/records/at-uri.js'
import { threadgateUriOf } from '#/records/gates.js'
import { blockedProfileViewer } from '#/views/post-refs.js'
import { postView, postViewWithKnownLikers } from '#/views/posts.js'
import { flattenReplies, orderReplies, type OrderOptions, type ReplyNode } from '#/views/thread-v2-order.js'
import { childrenByParent, threadReply } from '#/views/threads.js'

/**
 * The flat threads of app.bsky.unspecced.getPostThreadV2 and getPostThreadOtherV2: the anchor
 * at depth 0, its parents above (negative depths, the root first) and its replies below, depth
 * first in ranked order. Replies by muted accounts, replies the thread's gate hides and lone
 * pushpins are not in the thread: they are the "other" replies, listed by the second method.
 */

type ThreadItem = AppBskyUnspeccedGetPostThreadV2.ThreadItem
type PostView = Un$Typed<AppBskyFeedDefs.PostView>

export interface ThreadV2Skeleton {
  anchor: string
  /** The anchor's ancestors and descendants (each post's replies newest first). */
  uris: string[]
  /** The thread author's line of replies from the root, when there is one. */
  opThread?: string[]
}

export interface ThreadV2Options {
  /** How many parents to show above the anchor. */
  above: number
  /** How many levels of replies to show below it. */
  below: number
  branchingFactor: number
  sort: string
}

export interface ThreadV2 {
  thread: ThreadItem[]
  /** The anchor has replies that are not shown here but by getPostThreadOtherV2. */
  hasOtherReplies: boolean
}

/** What walking one thread needs at every step. */
interface Walk {
  state: HydrationState
  root: string
  /** The root's author. */
  op: string
  children: Map<string, string[]>
}

export function threadV2(skeleton: ThreadV2Skeleton, state: HydrationState, opts: ThreadV2Options): ThreadV2 {
  const { anchor } = skeleton
  const info = state.posts?.get(anchor)
  const post = postViewWithKnownLikers(anchor, state)
  if (!info || !post) return { thread: [notFoundItem(anchor, 0)], hasOtherReplies: false }
  if (viewerBlockExists(post.author.did, state)) return { thread: [blockedItem(anchor, 0, post.author.did, state)], hasOtherReplies: false }
  const walk = threadWalk(skeleton, state, replyRootOf(info) ?? anchor)
  const isOp = post.author.did === walk.op
  // A reply its thread's gate disallowed is shown alone, outside the thread.
  const up = info.violatesThreadGate ? undefined : parentItems(walk, anchor, -1, opts.above)
  const isOpThread = up ? up.isOpThread && isOp : isOp
  const above = up?.items ?? []
  if (noUnauthenticated(post, state)) return { thread: withOpThread([...above, noUnauthenticatedItem(anchor, 0)], skeleton.opThread), hasOtherReplies: false }

  const below = info.violatesThreadGate ? { nodes: [], hasOther: false } : replyNodes(walk, anchor, isOpThread, 1, opts)
  const order: OrderOptions = {
    sort: opts.sort,
    op: walk.op,
    viewer: state.ctx.viewer,
    opThread: skeleton.opThread && new Set(skeleton.opThread),
    branchingFactor: opts.branchingFactor,
  }
  const anchorItem = postItem(anchor, 0, post, { opThread: isOpThread, moreReplies: 0 })
  const replies = flattenReplies(orderReplies(below.nodes ?? [], 0, order)).map(itemOf)
  return { thread: withOpThread([...above, anchorItem, ...replies], skeleton.opThread), hasOtherReplies: below.hasOther }
}

/**
 * The anchor's "other" replies (depth 1, no nesting): those left out of its thread for being
 * muted, hidden by the gate or a lone pushpin. Empty when the anchor is gone or blocked.
 */
export function threadOtherV2(skeleton: ThreadV2Skeleton, state: HydrationState): AppBskyUnspeccedGetPostThreadOtherV2.ThreadItem[] {
  const { anchor } = skeleton
  const info = state.posts?.get(anchor)
  const post = postView(anchor, state)
  if (!info || !post || viewerBlockExists(post.author.did, state)) return []
  const walk = threadWalk(skeleton, state, replyRootOf(info) ?? anchor)
  const nodes = (walk.children.get(anchor) ?? []).flatMap((uri): ReplyNode[] => {
    const reply = shownReply(walk, uri)
    if (!reply) return []
    const other = otherReasons(walk, uri, reply)
    if (!other.isOther) return []
    const value = { ...threadItemPost(reply, { opThread: false, moreReplies: 0 }), ...other.flags }
    return [{ uri, depth: 1, value, other: true, hasOpLike: !!state.rootAuthorLikes?.get(uri) }]
  })
  const order: OrderOptions = { op: walk.op, viewer: state.ctx.viewer, branchingFactor: 0 }
  return flattenReplies(orderReplies(nodes, 0, order)).map(itemOf)
}

function threadWalk(skeleton: ThreadV2Skeleton, state: HydrationState, root: string): Walk {
  return { state, root, op: didOfUri(root), children: childrenByParent(skeleton, state) }
}

/**
 * The parents of `childUri`, the root first, up to `above` of them. The chain ends at the root,
 * at a post from another thread, or at a stand-in: a parent gone is not found, one across a
 * block (with the viewer, or between it and its reply's author) is blocked.
 */
function parentItems(walk: Walk, childUri: string, depth: number, above: number): { items: ThreadItem[]; isOpThread: boolean } | undefined {
  const { state } = walk
  if (-depth > above) return undefined
  const uri = replyParentOf(state.posts?.get(childUri) ?? undefined)
  if (!uri) return undefined
  const info = state.posts?.get(uri)
  const post = postView(uri, state)
  if (!info || !post) return { items: [notFoundItem(uri, depth)], isOpThread: false }
  if ((replyRootOf(info) ?? uri) !== walk.root) return undefined
  const author = post.author.did
  if (viewerBlockExists(author, state) || state.postBlocks?.get(childUri)?.parent) {
    return { items: [blockedItem(uri, depth, author, state)], isOpThread: false }
  }
  const up = parentItems(walk, uri, depth - 1, above)
  const isOpThread = up ? up.isOpThread && author === walk.op : author === walk.op
  const higher = up?.items ?? []
  if (noUnauthenticated(post, state)) return { items: [...higher, noUnauthenticatedItem(uri, depth)], isOpThread }
  // Its own parent exists but was not shown (beyond `above`, or from another thread).
  const moreParents = !!replyParentOf(info) && !up
  const item = { uri, depth, value: { ...threadItemPost(post, { opThread: isOpThread, moreReplies: 0 }), moreParents } }
  return { items: [...higher, item], isOpThread }
}

/**
 * The replies below `parentUri` at `depth`, each with its own down to `below` levels, and
 * whether some of them (at the first level) were set apart as other replies.
 */
function replyNodes(walk: Walk, parentUri: string, parentIsOpThread: boolean, depth: number, opts: ThreadV2Options): { nodes?: ReplyNode[]; hasOther: boolean } {
  if (depth > opts.below) return { hasOther: false }
  let hasOther = false
  const nodes = (walk.children.get(parentUri) ?? []).flatMap((uri): ReplyNode[] => {
    const reply = shownReply(walk, uri)
    if (!reply) return []
    if (otherReasons(walk, uri, reply).isOther) {
      hasOther ||= depth === 1
      return []
    }
    const opThread = parentIsOpThread && reply.author.did === walk.op
    // What the post has beyond the replies a client is shown of it.
    const allowance = depth === opts.below ? 0 : opts.branchingFactor
    const moreReplies = Math.max((reply.replyCount ?? 0) - allowance, 0)
    return [{
      uri,
      depth,
      value: threadItemPost(reply, { opThread, moreReplies }),
      other: false,
      hasOpLike: !!walk.state.rootAuthorLikes?.get(uri),
      replies: replyNodes(walk, uri, opThread, depth + 1, opts).nodes,
    }]
  })
  return { nodes, hasOther }
}

/** A reply's view, when the thread shows it to this viewer at all (in the thread or among the others). */
function shownReply(walk: Walk, uri: string): PostView | undefined {
  const post = threadReply(uri, walk.root, walk.state)
  if (!post || viewerBlockExists(post.author.did, walk.state) || noUnauthenticated(post, walk.state)) return undefined
  return post
}

/** Why a reply is set apart from the thread, if it is. */
function otherReasons(walk: Walk, uri: string, post: PostView) {
  const { state } = walk
  const author = post.author.did
  const gate = state.threadgates?.get(threadgateUriOf(walk.root))
  const hidden = gate?.record.hiddenReplies
  // The author of a hidden reply still sees it in the thread.
  const hiddenByThreadgate = state.ctx.viewer !== author && Array.isArray(hidden) && hidden.includes(uri)
  const mutedByViewer = viewerMuteExists(author, state)
  const text = (post.record as { text?: unknown }).text
  const pushpin = typeof text === 'string' && text.trim() === '📌'
  return { isOther: hiddenByThreadgate || mutedByViewer || pushpin, flags: { hiddenByThreadgate, mutedByViewer } }
}

/** The author asked not to be shown to signed-out viewers (the `!no-unauthenticated` self-label). */
function noUnauthenticated(post: PostView, state: HydrationState): boolean {
  return !state.ctx.viewer && !!post.author.labels?.some((label) => label.val === '!no-unauthenticated')
}

/**
 * With an OP line known, it alone says which posts are the OP thread, and where each stands in
 * it (1-based, out of how many).
 */
function withOpThread(items: ThreadItem[], opThread: string[] | undefined): ThreadItem[] {
  if (!opThread) return items
  const position = new Map(opThread.map((uri, i) => [uri, i + 1]))
  return items.map((item) => {
    if (item.value.$type !== 'app.bsky.unspecced.defs#threadItemPost') return item
    const value = item.value as $Typed<AppBskyUnspeccedDefs.ThreadItemPost>
    const index = position.get(item.uri)
    if (index === undefined) return { ...item, value: { ...value, opThread: false } }
    return { ...item, value: { ...value, opThread: true, opThreadPostIndex: index, opThreadPostCount: opThread.length } }
  })
}

function threadItemPost(post: PostView, opts: { opThread: boolean; moreReplies: number }): $Typed<AppBskyUnspeccedDefs.ThreadItemPost> {
  return {
    $type: 'app.bsky.unspecced.defs#threadItemPost',
    post,
    moreParents: false,
    moreReplies: opts.moreReplies,
    opThread: opts.opThread,
    // Set apart replies are only ever listed by getPostThreadOtherV2.
    hiddenByThreadgate: false,
    mutedByViewer: false,
  }
}

function postItem(uri: string, depth: number, post: PostView, opts: { opThread: boolean; moreReplies: number }): ThreadItem {
  return { uri, depth, value: threadItemPost(post, opts) }
}

/** Fits the thread items of both methods. */
function itemOf(node: ReplyNode): { uri: string; depth: number; value: $Typed<AppBskyUnspeccedDefs.ThreadItemPost> } {
  return { uri: node.uri, depth: node.depth, value: node.value }
}

function notFoundItem(uri: string, depth: number): ThreadItem {
  return { uri, depth, value: { $type: 'app.bsky.unspecced.defs#threadItemNotFound' } }
}

function noUnauthenticatedItem(uri: string, depth: number): ThreadItem {
  return { uri, depth, value: { $type: 'app.bsky.unspecced.defs#threadItemNoUnauthenticated' } }
}

function blockedItem(uri: string, depth: number, author: string, state: HydrationState): ThreadItem {
  return { uri, depth, value: { $type: 'app.bsky.unspecced.defs#threadItemBlocked', author: { did: author, viewer: blockedProfileViewer(author, state) } } }
}
