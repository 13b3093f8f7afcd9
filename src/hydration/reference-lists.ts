import type { DataPlane, StoredRecord } from '#/dataplane/index.js'

const REFERENCE_LIST = 'app.bsky.graph.defs#referencelist'

/** How a list's opt-outs apply to one viewer. */
export interface OptOutPolicy {
  /** Members not shown at all. */
  hidden: string[]
  /** Members shown, marked as having opted out (only to the list's owner). */
  marked: Set<string>
}

const NONE: OptOutPolicy = { hidden: [], marked: new Set() }

/**
 * Accounts that opted out of a reference list are left out of it for everyone but its owner,
 * who sees them marked (so they can be removed); a list that is no longer a reference list
 * enforces nothing, as the lexicon says. `ownerSees: false` hides them from the owner too (list
 * feeds).
 */
export async function optOutPolicy(
  dataplane: DataPlane,
  list: StoredRecord | null | undefined,
  viewer: string | null,
  opts: { ownerSees: boolean } = { ownerSees: true },
): Promise<OptOutPolicy> {
  if (!list || list.record.purpose !== REFERENCE_LIST) return NONE
  const dids = await dataplane.getListOptOutDids(list.uri)
  if (dids.length === 0) return NONE
  return opts.ownerSees && viewer === list.did ? { hidden: [], marked: new Set(dids) } : { hidden: dids, marked: new Set() }
}

export function isReferenceList(list: StoredRecord | null | undefined): boolean {
  return list?.record.purpose === REFERENCE_LIST
}
