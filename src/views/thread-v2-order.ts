import type { $Typed, AppBskyFeedDefs, AppBskyUnspeccedDefs } from '@atproto/api'

/**
 * The order of replies in app.bsky.unspecced.getPostThreadV2 (and of the "other" replies of
 * getPostThreadOtherV2), as the reference AppView ranks them: some replies are bumped up or down
 * whatever the sort (the OP's line, the OP, the viewer, accounts the viewer follows; muted and
 * gate-hidden ones last), the rest follow the requested sort. Below the anchor's own replies,
 * each post keeps at most `branchingFactor` of its replies.
 */

export interface ReplyNode {
  uri: string
  depth: number
  value: $Typed<AppBskyUnspeccedDefs.ThreadItemPost>
  /** A reply set apart from the thread (muted author, hidden by the gate): an "other" reply. */
  other: boolean
  /** The thread's root author liked it. */
  hasOpLike: boolean
  replies?: ReplyNode[]
}

export interface OrderOptions {
  /** `oldest`, `newest` or `top`; anything else sorts newest first. Other replies always do. */
  sort?: string
  /** The thread root's author. */
  op: string
  viewer: string | null
  /** The OP's line of replies (each stays first beneath its parent). */
  opThread?: Set<string>
  branchingFactor: number
}

type Bump = ['up' | 'down', (node: ReplyNode) => boolean]

/** Sorts the replies below a node at `depth`, trims them (except below the anchor) and descends. */
export function orderReplies(replies: ReplyNode[], depth: number, opts: OrderOptions): ReplyNode[] {
  const sorted = [...replies].sort((a, b) => compareReplies(a, b, opts))
  const kept = depth === 0 ? sorted : sorted.slice(0, opts.branchingFactor)
  return kept.map((node) => (node.replies ? { ...node, replies: orderReplies(node.replies, node.depth, opts) } : node))
}

/** Depth first: each reply, then its replies. */
export function flattenReplies(replies: ReplyNode[] | undefined): ReplyNode[] {
  return (replies ?? []).flatMap((node) => [node, ...flattenReplies(node.replies)])
}

function compareReplies(a: ReplyNode, b: ReplyNode, opts: OrderOptions): number {
  const author = (node: ReplyNode) => node.value.post.author.did
  // In priority order: an earlier bump up puts a reply higher than a later one; an earlier bump down, lower.
  const bumps: Bump[] = [
    ['up', (n) => !!opts.opThread?.has(n.uri)],
    ['up', (n) => author(n) === opts.op],
    ['up', (n) => author(n) === opts.viewer],
    ['up', (n) => !n.other && !!n.value.post.author.viewer?.following],
    ['down', (n) => n.other && n.value.mutedByViewer],
    ['down', (n) => n.other && n.value.hiddenByThreadgate],
  ]
  for (const [direction, applies] of bumps) {
    const [inA, inB] = [applies(a), applies(b)]
    // Both bumped alike: the sort decides, and later bumps are not looked at.
    if (inA && inB) return compareBySort(a, b, opts.sort)
    if (inA || inB) return (inA ? -1 : 1) * (direction === 'up' ? 1 : -1)
  }
  return compareBySort(a, b, opts.sort)
}

function compareBySort(a: ReplyNode, b: ReplyNode, sort: string | undefined): number {
  const [postA, postB] = [a.value.post, b.value.post]
  if (!a.other && !b.other) {
    if (sort === 'oldest') return postA.indexedAt.localeCompare(postB.indexedAt)
    if (sort === 'top') {
      const [topA, topB] = [topScore(postA, a.hasOpLike), topScore(postB, b.hasOpLike)]
      if (topA !== topB) return topB - topA
    }
  }
  return postB.indexedAt.localeCompare(postA.indexedAt)
}

/** Likes, with diminishing returns, and worth more when the thread's author is among the likers. */
function topScore(post: AppBskyFeedDefs.PostView, hasOpLike: boolean): number {
  return Math.log(3 + (post.likeCount ?? 0)) * (hasOpLike ? 1.45 : 1)
}
