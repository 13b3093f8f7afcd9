import type { AppBskyGraphDefs } from '@atproto/api'
import type { HydrationState } from '#/hydration/state.js'
import { imageUrl } from '#/views/images.js'
import { selfLabels } from '#/views/labels.js'

/** app.bsky.graph.defs#listViewBasic, or undefined when the list was not hydrated or is gone. */
export function listViewBasic(uri: string, state: HydrationState): AppBskyGraphDefs.ListViewBasic | undefined {
  const list = state.lists?.get(uri)
  if (!list) return undefined
  const { record } = list
  const listBlock = state.listBlocks?.get(uri)
  return {
    uri,
    cid: record.cid,
    name: String(record.record.name ?? ''),
    purpose: String(record.record.purpose ?? ''),
    avatar: imageUrl(state.ctx.images, 'avatar', record.did, record.record.avatar),
    listItemCount: state.listItemCounts?.get(uri) ?? 0,
    indexedAt: record.sortedAt,
    labels: selfLabels(record),
    // Mutes are private state Magpie does not hold yet: never muted.
    viewer: state.ctx.viewer ? { muted: false, blocked: listBlock } : undefined,
  }
}
