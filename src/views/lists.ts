import type { AppBskyGraphDefs, AppBskyRichtextFacet, Un$Typed } from '@atproto/api'
import { isReferenceList } from '#/hydration/reference-lists.js'
import type { HydrationState } from '#/hydration/state.js'
import { imageUrl } from '#/views/images.js'
import { labelsOn } from '#/views/labels.js'
import { profileView } from '#/views/profiles.js'

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

/** app.bsky.graph.defs#listView: the basic view plus its creator and description. */
export function listView(uri: string, state: HydrationState): AppBskyGraphDefs.ListView | undefined {
  const list = state.lists?.get(uri)
  const creator = list ? profileView(list.record.did, state) : undefined
  const basic = listViewBasic(uri, state)
  if (!list || !creator || !basic) return undefined
  const { record } = list.record
  return {
    ...basic,
    creator,
    description: typeof record.description === 'string' ? record.description : undefined,
    descriptionFacets: record.descriptionFacets as AppBskyRichtextFacet.Main[] | undefined,
    indexedAt: list.record.sortedAt,
  }
}

/** app.bsky.graph.defs#listItemView, or undefined when the member is not shown. */
export function listItemView(uri: string, subject: string, state: HydrationState, optedOut = false): AppBskyGraphDefs.ListItemView | undefined {
  const view = profileView(subject, state)
  return view ? { uri, subject: view, subjectOptedOut: optedOut || undefined } : undefined
}
