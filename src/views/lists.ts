import type { AppBskyGraphDefs, AppBskyRichtextFacet } from '@atproto/api'
import type { HydrationState } from '#/hydration/state.js'
import { listViewBasic } from '#/views/list-basic.js'
import { profileView } from '#/views/profiles.js'

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
