import type { AppBskyGraphDefs } from '@atproto/api'
import type { HydrationState } from '#/hydration/state.js'
import { selfLabels } from '#/views/labels.js'
import { profileViewBasic } from '#/views/profiles.js'

/** app.bsky.graph.defs#starterPackViewBasic, or undefined when the pack or its creator is not shown. */
export function starterPackViewBasic(uri: string, state: HydrationState): AppBskyGraphDefs.StarterPackViewBasic | undefined {
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
    labels: selfLabels(pack),
    indexedAt: pack.sortedAt,
  }
}
