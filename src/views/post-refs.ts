import type { $Typed, AppBskyFeedDefs } from '@atproto/api'
import type { HydrationState } from '#/hydration/state.js'
import { activeModList } from '#/rules/actors.js'

/** The stand-ins a thread, reply or quote shows in place of a post it cannot show. */

export function notFoundPost(uri: string): $Typed<AppBskyFeedDefs.NotFoundPost> {
  return { $type: 'app.bsky.feed.defs#notFoundPost', uri, notFound: true }
}

export function blockedPost(uri: string, authorDid: string, state: HydrationState): $Typed<AppBskyFeedDefs.BlockedPost> {
  return { $type: 'app.bsky.feed.defs#blockedPost', uri, blocked: true, author: { did: authorDid, viewer: blockedProfileViewer(authorDid, state) } }
}

/** A blocked author's viewer state: only which way the block goes (undefined for anonymous requests). */
export function blockedProfileViewer(did: string, state: HydrationState): AppBskyFeedDefs.BlockedAuthor['viewer'] {
  if (!state.ctx.viewer) return undefined
  const rel = state.relationships?.get(did)
  if (!rel) return undefined
  return {
    blockedBy: !!(rel.blockedBy || activeModList(rel.blockedByList, state)),
    blocking: rel.blocking ?? activeModList(rel.blockingByList, state),
  }
}
