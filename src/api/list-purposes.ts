const MODLIST = 'app.bsky.graph.defs#modlist'
const CURATELIST = 'app.bsky.graph.defs#curatelist'

/**
 * The `purposes` filter of getLists and getListsWithMembership, as stored: short (`modlist`) or
 * full names of the two kinds of list they list. Without a filter both are listed (reference
 * lists, which starter packs use, are not), as in the reference AppView; unknown names match
 * nothing.
 */
export function acceptedPurposes(purposes: string[] | undefined): string[] {
  const asked = purposes ?? ['modlist', 'curatelist']
  const accepted: string[] = []
  if (asked.includes('modlist') || asked.includes(MODLIST)) accepted.push(MODLIST)
  if (asked.includes('curatelist') || asked.includes(CURATELIST)) accepted.push(CURATELIST)
  return accepted
}
