import { TID } from '@atproto/common-web'

/**
 * TIDs (record keys and repo revisions) carry a microsecond timestamp. Magpie uses it twice:
 * to route a record to its time partition from the URI alone, and as the external document
 * version (the repo `rev`), so that replays and late deliveries never overwrite newer state.
 */

export function isTid(value: string): boolean {
  return value.length === 13 && TID.is(value)
}

/** Microseconds since the epoch encoded in a TID, or undefined when it is not a TID. */
export function tidMicros(value: string): number | undefined {
  if (!isTid(value)) return undefined
  try {
    return TID.fromStr(value).timestamp()
  } catch {
    return undefined
  }
}

/**
 * The OpenSearch external version for a repo revision. The timestamp alone (53 bits) keeps
 * it exact in a JS number; a repo's revisions are strictly increasing TIDs, so two commits of
 * one repo never share a timestamp in practice.
 */
export function versionForRev(rev: string): number | undefined {
  const micros = tidMicros(rev)
  return micros !== undefined && micros > 0 ? micros : undefined
}
