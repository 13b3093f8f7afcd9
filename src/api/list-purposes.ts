import type { HydrationState } from '#/hydration/state.js'

const MODLIST = 'app.bsky.graph.defs#modlist'
const CURATELIST = 'app.bsky.graph.defs#curatelist'

/**
 * The `purposes` filter of getLists and getListsWithMembership, as stored: short (`modlist`) or
 * full names of the two kinds of list they list. Without a filter both are listed (reference
 * lists, which starter packs use, are not), as in the reference AppView; unknown names match
 * nothing.
 */
function acceptedPurposes(purposes: string[] | undefined): string[] {
  const asked = purposes ?? ['modlist', 'curatelist']
  const accepted: string[] = []
  if (asked.includes('modlist') || asked.includes(MODLIST)) accepted.push(MODLIST)
  if (asked.includes('curatelist') || asked.includes(CURATELIST)) accepted.push(CURATELIST)
  return accepted
}

/**
 * The rule step of both: the lists, of a page of the account's lists of every purpose, whose
 * purpose is asked for. Filtering after paging, as the reference AppView does, keeps its page
 * boundaries: a page thinned by reference lists is refilled only while under half full (fillPage).
 */
export function listsOfPurposes(lists: string[], purposes: string[] | undefined, state: HydrationState): string[] {
  const accepted = acceptedPurposes(purposes)
  return lists.filter((uri) => accepted.includes(String(state.lists?.get(uri)?.record.record.purpose)))
}
