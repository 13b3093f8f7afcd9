import type { $Typed, AppBskyFeedDefs, Un$Typed } from '@atproto/api'
import { isValidAtUri } from '@atproto/syntax'
import { replyParentOf, replyRootOf } from '#/records/post-record.js'
import { replyKey } from '#/hydration/reply-permissions.js'
import type { HydrationState } from '#/hydration/state.js'
import { actorIsNotHosted, viewerBlockExists } from '#/rules/actors.js'
import { didOfUri } from '#/records/at-uri.js'
import { embeddingDisabledBy, postgateUriOf, replyRestriction, threadgateUriOf } from '#/records/gates.js'
import { embedView } from '#/views/embeds.js'
import { labelsOn, selfLabels } from '#/views/labels.js'
import { listViewBasic } from '#/views/list-basic.js'
import { blockedPost, notFoundPost } from '#/views/post-refs.js'
import { profileViewBasic } from '#/views/profiles.js'

/**
 * Post views (app.bsky.feed.defs): the post with its author, embed, counts, labels, the
 * viewer's state and its thread's gate; and feed items built on them (reply context, repost
 * or pin reason). A view is undefined when the post or its author is not to be shown.
 */

/** An entry of a feed: a post, reposted by someone or pinned by its author. */
export interface FeedItem {
  post: string
  repost?: string
  authorPinned?: boolean
}

type ReplyRefPost = AppBskyFeedDefs.ReplyRef['root']

/** `depth` counts quote levels: embeds are shown two levels down, no further. */
export function postView(uri: string, state: HydrationState, depth = 0): Un$Typed<AppBskyFeedDefs.PostView> | undefined {
  const post = state.posts?.get(uri)
  if (!post) return undefined
  const authorDid = didOfUri(uri)
  const author = profileViewBasic(authorDid, state)
  if (!author) return undefined
  const counts = state.postCounts?.get(uri)
  const viewer = state.postViewers?.get(uri)
  const embed = post.record.embed
  return {
    uri,
    cid: post.cid,
    author,
    record: post.record,
    embed: depth < 2 && embed ? embedView(uri, embed, state, depth + 1, postView) : undefined,
    bookmarkCount: counts?.bookmarks ?? 0,
    replyCount: counts?.replies ?? 0,
    repostCount: counts?.reposts ?? 0,
    likeCount: counts?.likes ?? 0,
    quoteCount: counts?.quotes ?? 0,
    indexedAt: post.sortedAt,
    viewer: viewer
      ? {
          repost: viewer.repost,
          like: viewer.like,
          bookmarked: viewer.bookmarked,
          threadMuted: viewer.threadMuted,
          replyDisabled: replyDisabled(uri, state),
          embeddingDisabled: embeddingDisabled(uri, state),
          pinned: viewerPinned(uri, authorDid, state),
        }
      : undefined,
    labels: [...labelsOn(uri, state), ...selfLabels(post)],
    // Only a thread's root shows its gate.
    threadgate: post.record.reply ? undefined : threadgateView(threadgateUriOf(uri), state),
  }
}

/** A post view whose viewer state names the likers the viewer follows (app.bsky.feed.defs#knownLikers), where hydrated. */
export function postViewWithKnownLikers(uri: string, state: HydrationState): Un$Typed<AppBskyFeedDefs.PostView> | undefined {
  const view = postView(uri, state)
  const known = state.knownLikers?.get(uri)
  if (!view?.viewer || !known) return view
  const author = didOfUri(uri)
  // Likers with a block between them and the viewer or the post's author, or no longer hosted, are counted but not shown.
  const actors = known.dids.flatMap((did) => {
    if (viewerBlockExists(did, state) || state.blocksWith?.get(author)?.has(did) || actorIsNotHosted(did, state)) return []
    return profileViewBasic(did, state) ?? []
  })
  return { ...view, viewer: { ...view.viewer, knownLikers: { count: known.count, actors } } }
}

/** The gate of the thread `uri` belongs to (its root's threadgate). */
export function threadgateOfThread(uri: string, state: HydrationState): AppBskyFeedDefs.ThreadgateView | undefined {
  return threadgateView(threadgateUriOf(replyRootOf(state.posts?.get(uri) ?? undefined) ?? uri), state)
}

/** app.bsky.feed.defs#threadgateView of a threadgate URI, with the lists its rules name. */
export function threadgateView(uri: string, state: HydrationState): AppBskyFeedDefs.ThreadgateView | undefined {
  const gate = state.threadgates?.get(uri)
  if (!gate) return undefined
  const allow = Array.isArray(gate.record.allow) ? (gate.record.allow as { $type?: unknown; list?: unknown }[]) : []
  return {
    uri,
    cid: gate.cid,
    record: gate.record,
    lists: allow.flatMap((rule) => {
      if (rule?.$type !== 'app.bsky.feed.threadgate#listRule' || typeof rule.list !== 'string') return []
      return listViewBasic(rule.list, state) ?? []
    }),
  }
}

/** Whether the viewer may not reply: undefined when the thread has no gate (or nobody asks). */
function replyDisabled(uri: string, state: HydrationState): boolean | undefined {
  const post = state.posts?.get(uri)
  if (post?.violatesThreadGate) return true
  const root = replyRootOf(post ?? undefined) ?? uri
  const gate = state.threadgates?.get(threadgateUriOf(root))
  const viewer = state.ctx.viewer
  if (!gate || !viewer) return undefined
  const rule = replyRestriction(root, gate)
  if (!rule || viewer === rule.owner) return false
  return state.replyAllowed?.get(replyKey(viewer, root)) !== true
}

/** Whether the viewer may not quote the post (its postgate disables quotes for all but the author). */
function embeddingDisabled(uri: string, state: HydrationState): boolean {
  if (!state.posts?.get(uri)) return true
  if (state.ctx.viewer === didOfUri(uri)) return false
  return embeddingDisabledBy(state.postgates?.get(postgateUriOf(uri)))
}

/** For the author's own posts: whether this is the one pinned to their profile. */
function viewerPinned(uri: string, authorDid: string, state: HydrationState): boolean | undefined {
  if (state.ctx.viewer !== authorDid) return undefined
  const actor = state.actors?.get(authorDid)
  if (!actor) return undefined
  const pinned = actor.profile?.record.pinnedPost as { uri?: unknown; cid?: unknown } | undefined
  if (typeof pinned?.uri !== 'string' || typeof pinned.cid !== 'string' || !isValidAtUri(pinned.uri)) return undefined
  return pinned.uri === uri
}

/** app.bsky.feed.defs#feedViewPost, or undefined when the post (or the repost, or the reposter) is not shown. */
export function feedViewPost(item: FeedItem, state: HydrationState): AppBskyFeedDefs.FeedViewPost | undefined {
  let reason: AppBskyFeedDefs.FeedViewPost['reason']
  if (item.authorPinned) {
    reason = { $type: 'app.bsky.feed.defs#reasonPin' }
  } else if (item.repost) {
    const repost = state.reposts?.get(item.repost)
    const subject = (repost?.record.subject as { uri?: unknown } | undefined)?.uri
    if (!repost || subject !== item.post) return undefined
    const by = profileViewBasic(repost.did, state)
    if (!by) return undefined
    reason = { $type: 'app.bsky.feed.defs#reasonRepost', by, uri: item.repost, cid: repost.cid, indexedAt: repost.sortedAt }
  }
  const post = postView(item.post, state)
  if (!post) return undefined
  const info = state.posts?.get(item.post)
  return { post, reason, reply: info?.violatesThreadGate ? undefined : replyRef(item.post, state) }
}

/**
 * The reply context of a feed item: root and parent (or what stands in for them) and the
 * parent's parent's author. A block between the reply's author and the parent's or root's is
 * shown as a blocked post, as one between the viewer and their authors is.
 */
export function replyRef(uri: string, state: HydrationState): AppBskyFeedDefs.ReplyRef | undefined {
  const post = state.posts?.get(uri)
  const rootUri = replyRootOf(post ?? undefined)
  const parentUri = replyParentOf(post ?? undefined)
  if (!post || !rootUri || !parentUri) return undefined
  let root = maybePost(rootUri, state)
  let parent = maybePost(parentUri, state)
  const childBlocks = state.postBlocks?.get(uri)
  const parentBlocks = state.postBlocks?.get(parentUri)
  if (isPostView(parent) && childBlocks?.parent) parent = blockedPost(parent.uri, parent.author.did, state)
  if (isPostView(root) && (childBlocks?.root || parentBlocks?.root)) root = blockedPost(root.uri, root.author.did, state)
  let grandparentAuthor: AppBskyFeedDefs.ReplyRef['grandparentAuthor']
  if (isPostView(parent)) {
    const grandparent = replyParentOf(state.posts?.get(parent.uri) ?? undefined)
    if (grandparent) grandparentAuthor = profileViewBasic(didOfUri(grandparent), state)
  }
  return { root, parent, grandparentAuthor }
}

/** The post's view, or a stand-in: not found (gone, or its author hidden), or blocked (by or of the viewer). */
export function maybePost(uri: string, state: HydrationState): ReplyRefPost {
  const post = postView(uri, state)
  if (!post) return notFoundPost(uri)
  if (viewerBlockExists(post.author.did, state)) return blockedPost(uri, post.author.did, state)
  return { $type: 'app.bsky.feed.defs#postView', ...post }
}

export function isPostView(view: ReplyRefPost | undefined): view is $Typed<AppBskyFeedDefs.PostView> {
  return view?.$type === 'app.bsky.feed.defs#postView'
}
