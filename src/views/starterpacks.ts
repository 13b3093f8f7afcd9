import type { AppBskyGraphDefs, Un$Typed } from '@atproto/api'
import type { HydrationState } from '#/hydration/state.js'
import { generatorView } from '#/views/feedgens.js'
import { labelsOn } from '#/views/labels.js'
import { listItemView } from '#/views/lists.js'
import { listViewBasic } from '#/views/list-basic.js'
import { profileViewBasic } from '#/views/profiles.js'

/** app.bsky.graph.defs#starterPackViewBasic, or undefined when the pack or its creator is not shown. */
export function starterPackViewBasic(uri: string, state: HydrationState): Un$Typed<AppBskyGraphDefs.StarterPackViewBasic> | undefined {
  const pack = state.starterPacks?.get(uri)
  if (!pack) return undefined
  const creator = profileViewBasic(pack.did, state)
  if (!creator) return undefined
  const joins = state.starterPackJoins?.get(uri)
  return {
    uri,
    cid: pack.cid,
    record: pack.record,
    creator,
    joinedAllTimeCount: joins?.allTime ?? 0,
    joinedWeekCount: joins?.lastWeek ?? 0,
    // Labels come from labeler services only, as in the reference AppView.
    labels: labelsOn(uri, state),
    indexedAt: pack.sortedAt,
  }
}

/** The list a starter pack's record names, if it names one. */
export const starterPackList = (record: Record<string, unknown> | undefined): string | undefined =>
  typeof record?.list === 'string' ? record.list : undefined

/** app.bsky.graph.defs#starterPackView: the basic view plus its feeds, its list and a sample of the list's members. */
export function starterPackView(uri: string, state: HydrationState): AppBskyGraphDefs.StarterPackView | undefined {
  const pack = state.starterPacks?.get(uri)
  const basic = starterPackViewBasic(uri, state)
  if (!pack || !basic) return undefined
  const feeds = Array.isArray(pack.record.feeds) ? (pack.record.feeds as { uri?: unknown }[]) : []
  const list = starterPackList(pack.record)
  return {
    ...basic,
    feeds: feeds.flatMap((feed) => (typeof feed?.uri === 'string' ? generatorView(feed.uri, state) ?? [] : [])),
    list: list ? listViewBasic(list, state) : undefined,
    listItemsSample: (state.starterPackSamples?.get(uri) ?? []).flatMap((item) => listItemView(item.uri, item.subject, state, item.optedOut) ?? []),
  }
}
