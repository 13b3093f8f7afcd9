import type { AppBskyFeedDefs, AppBskyRichtextFacet } from '@atproto/api'
import type { HydrationState } from '#/hydration/state.js'
import { imageUrl } from '#/views/images.js'
import { labelsOn } from '#/views/labels.js'
import { profileView } from '#/views/profiles.js'

/** app.bsky.feed.defs#generatorView, or undefined when the generator or its creator is not shown. */
export function generatorView(uri: string, state: HydrationState): AppBskyFeedDefs.GeneratorView | undefined {
  const feedgen = state.feedgens?.get(uri)
  if (!feedgen) return undefined
  const creator = profileView(feedgen.did, state)
  if (!creator) return undefined
  const { record } = feedgen
  return {
    uri,
    cid: feedgen.cid,
    did: String(record.did ?? ''),
    creator,
    displayName: String(record.displayName ?? ''),
    description: typeof record.description === 'string' ? record.description : undefined,
    descriptionFacets: record.descriptionFacets as AppBskyRichtextFacet.Main[] | undefined,
    avatar: imageUrl(state.ctx.images, 'avatar', feedgen.did, record.avatar),
    likeCount: state.subjectLikeCounts?.get(uri) ?? 0,
    acceptsInteractions: typeof record.acceptsInteractions === 'boolean' ? record.acceptsInteractions : undefined,
    // Labels come from labeler services only (self-labels are not shown, as the reference
    // AppView does).
    labels: labelsOn(uri, state),
    viewer: state.ctx.viewer ? { like: state.viewerSubjectLikes?.get(uri) } : undefined,
    contentMode: typeof record.contentMode === 'string' ? record.contentMode : undefined,
    indexedAt: feedgen.sortedAt,
  }
}
