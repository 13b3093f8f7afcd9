import type { AppBskyGraphDefs, Un$Typed } from '@atproto/api'
import { isReferenceList } from '#/hydration/reference-lists.js'
import type { HydrationState } from '#/hydration/state.js'
import { imageUrl } from '#/views/images.js'
import { labelsOn } from '#/views/labels.js'

/** app.bsky.graph.defs#listViewBasic, or undefined when the list was not hydrated or is gone. */
export function listViewBasic(uri: string, state: HydrationState): Un$Typed<AppBskyGraphDefs.ListViewBasic> | undefined {
  const list = state.lists?.get(uri)
  if (!list) return undefined
  const { record } = list
  return {
    uri,
    cid: record.cid,
    name: String(record.record.name ?? ''),
    purpose: String(record.record.purpose ?? ''),
    avatar: imageUrl(state.ctx.images, 'avatar', record.did, record.record.avatar),
    listItemCount: state.listItemCounts?.get(uri) ?? 0,
    indexedAt: record.sortedAt,
    // Labels come from labeler services only (a list's self-labels are not shown, as the
    // reference AppView does).
    labels: labelsOn(uri, state),
    viewer: state.ctx.viewer
      ? {
          muted: state.listMutes?.get(uri) === true,
          blocked: state.listBlocks?.get(uri),
          referenceListOptOut: isReferenceList(record) ? state.listOptOuts?.get(uri) : undefined,
        }
      : undefined,
  }
}
