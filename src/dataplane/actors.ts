import { INVALID_HANDLE, normalizeHandle } from '@atproto/syntax'
import { singleIndex } from '#/indexing/route.js'
import type { Searcher } from '#/dataplane/opensearch-reader.js'

/** What Magpie knows of an account: identity (verified handle) and hosting status. */
export interface ActorDoc {
  did: string
  /** The verified handle; undefined when it is invalid or not verified yet (served as handle.invalid). */
  handle?: string
  /**
   * Hosting status from the account's PDS/relay: `active`, or why not (`deactivated`,
   * `takendown`, `suspended`, `deleted`, `desynchronized`, `throttled`). `active` when no
   * #account event has been seen.
   */
  status: string
  pds?: string
}

/** Actor documents by DID (real-time gets, version-checked cache); DIDs Magpie has never seen are absent. */
export async function getActors(search: Searcher, dids: Iterable<string>): Promise<Map<string, ActorDoc>> {
  const index = singleIndex(search.prefix, 'actors')
  const hits = await search.getCached([...new Set(dids)].map((id) => ({ index, id })))
  const actors = new Map<string, ActorDoc>()
  for (const [did, hit] of hits) {
    const source = hit._source ?? {}
    const handle = source.handleValid === true && typeof source.handle === 'string' && source.handle !== INVALID_HANDLE ? source.handle : undefined
    const status = typeof source.status === 'string' ? source.status : source.active === false ? 'deactivated' : 'active'
    actors.set(did, { did, handle, status, pds: typeof source.pds === 'string' ? source.pds : undefined })
  }
  return actors
}

/**
 * Handle → DID for handles verified both ways. Should two actor documents claim one handle (the
 * older one's owner moved on but no event told us yet), the most recently verified one wins.
 */
export async function resolveHandles(search: Searcher, handles: Iterable<string>): Promise<Map<string, string>> {
  const wanted = [...new Set([...handles].map((h) => normalizeHandle(h)))]
  const found = new Map<string, string>()
  if (wanted.length === 0) return found
  const { hits } = await search.one({
    index: 'actors',
    body: {
      size: wanted.length * 4 + 10,
      _source: ['handle'],
      query: { bool: { filter: [{ terms: { handle: wanted } }, { term: { handleValid: true } }] } },
      sort: [{ identityAt: { order: 'asc', unmapped_type: 'date' } }],
    },
  })
  // Ascending, so a later verification overwrites an earlier one.
  for (const hit of hits) {
    const handle = hit._source?.handle
    if (typeof handle === 'string') found.set(handle, hit._id)
  }
  return found
}
