import { live, NEWEST_FIRST } from '#/dataplane/keyset.js'
import type { Searcher } from '#/dataplane/opensearch-reader.js'

/** The status value of an account that is live now. */
export const LIVE_STATUS = 'app.bsky.actor.status#live'

/** Live accounts listed at most: getConfig is read on every app start and focus. */
export const MAX_LIVE = 1000

/**
 * Accounts whose "live" status record was made in the last `withinMs` (the longest a status may
 * last), newest first: the candidates for who is live now. Whether each still is depends on the
 * record's own duration, which the caller reads from the account's status as views do.
 */
export async function getRecentlyLive(search: Searcher, withinMs: number, now: number): Promise<string[]> {
  const { hits } = await search.one({
    index: 'statuses',
    body: {
      size: MAX_LIVE,
      track_total_hits: false,
      _source: ['did'],
      query: live({ term: { status: LIVE_STATUS } }, { range: { sortAt: { gte: now - withinMs } } }),
      sort: NEWEST_FIRST,
    },
  })
  return hits.flatMap((hit) => (typeof hit._source?.did === 'string' ? [hit._source.did] : []))
}
