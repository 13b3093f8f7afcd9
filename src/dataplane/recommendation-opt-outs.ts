import type { StoredRecord } from '#/dataplane/records.js'

/**
 * app.bsky.actor.contentVisibilityDeclaration: an account asking to be left out of algorithmic
 * recommendations. The record is a singleton stored by the generic family and read by URI, so
 * the question is always asked of the candidates a surface is about to show (bounded by that
 * surface's own size), never as a list of every account that declared it.
 */

export const CONTENT_VISIBILITY = 'app.bsky.actor.contentVisibilityDeclaration'

export const contentVisibilityUri = (did: string) => `at://${did}/${CONTENT_VISIBILITY}/self`

/** What the declaration says; the lexicon has a missing record (or a value that is not `true`) mean "not hidden". */
export function hidesFromRecommendations(record: StoredRecord | undefined): boolean {
  return record?.record.hideFromAlgorithmicRecommendations === true
}

/** Of `dids`, those whose declaration hides them from recommendations. */
export async function recommendationOptOuts(
  getRecords: (uris: string[]) => Promise<Map<string, StoredRecord>>,
  dids: Iterable<string>,
): Promise<Set<string>> {
  const unique = [...new Set(dids)]
  if (unique.length === 0) return new Set()
  const records = await getRecords(unique.map(contentVisibilityUri))
  return new Set(unique.filter((did) => hidesFromRecommendations(records.get(contentVisibilityUri(did)))))
}

