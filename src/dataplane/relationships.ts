import type { FollowEdgesReader } from '#/dataplane/follow-edges.js'
import { NOT_DELETED, type Hit, type SearchRequest, type Searcher } from '#/dataplane/opensearch-reader.js'

/**
 * The graph between accounts: follows and blocks (direct, or through a subscribed mod list),
 * read straight from the follows / blocks / listblocks / listitems indices.
 */

/** How the viewer and one other account relate. URIs are of the records that make it so. */
export interface Relationship {
  /** The viewer's follow of the account. */
  following?: string
  /** The account's follow of the viewer. */
  followedBy?: string
  /** The viewer's block of the account. */
  blocking?: string
  /** The account's block of the viewer. */
  blockedBy?: string
  /** A list the viewer subscribes to as a block list (listblock) that has the account on it. */
  blockingByList?: string
  /** A list the account subscribes to as a block list that has the viewer on it. */
  blockedByList?: string
}

/** Listblocks fetched per owner: more than this many subscriptions by one account is not a person. */
const MAX_LISTBLOCKS = 1000
/**
 * The most follows read to learn whom a viewer follows: OpenSearch's default limit on the terms
 * of one `terms` query (index.max_terms_count), which the answer is fed back into.
 */
export const MAX_FOLLOWED = 65_536

const live = (...filter: object[]) => ({ bool: { filter, must_not: [NOT_DELETED] } })

/** One hit per value of `field`: the newest record (duplicates happen: clients retry writes), with `field` and `did` from doc values. */
function onePer(field: string, query: object, size: number) {
  // Not onlyValues: the hit's id (the record's URI) is part of the answer.
  return { size, query, collapse: { field }, sort: [{ sortAt: 'desc' }], _source: false, docvalue_fields: ['did', field] }
}

/**
 * Hits carrying only these keyword fields, read from doc values: reading the stored (compressed)
 * source of a few thousand blocks or list entries costs around a hundred milliseconds, doc
 * values a few.
 */
const onlyValues = (...fields: string[]) => ({ _source: false, stored_fields: ['_none_'], docvalue_fields: fields })
const valueOf = (hit: Hit, field: string) => hit.fields?.[field]?.[0] as string | undefined

export async function getRelationships(search: Searcher, follows: Pick<FollowEdgesReader, 'between'>, viewer: string, dids: string[]): Promise<Map<string, Relationship>> {
  const targets = [...new Set(dids)].filter((did) => did !== viewer)
  const out = new Map<string, Relationship>(targets.map((did) => [did, {}]))
  if (targets.length === 0) return out
  // Apart: the follows may take a round trip more (settled months' edges), and the blocks' list
  // members are then asked in the same wave as other hydration's (getBlockedPairs), not after.
  const [edges, blocks] = await Promise.all([follows.between(viewer, targets), blockRelations(search, viewer, targets)])
  for (const [did, uri] of edges.following) set(out, did, 'following', uri)
  for (const [did, uri] of edges.followedBy) set(out, did, 'followedBy', uri)
  for (const [did, key, uri] of blocks) set(out, did, key, uri)
  return out
}

/** A block found: [target, relationship, record or list URI]. */
type FoundBlock = [string | undefined, keyof Relationship, string]

/** Blocks between the viewer and each target, either way, direct or by list. */
async function blockRelations(search: Searcher, viewer: string, targets: string[]): Promise<FoundBlock[]> {
  const n = targets.length
  const [blocking, blockedBy, viewerListblocks, targetListblocks] = await search.many([
    { index: 'blocks', body: onePer('subjectDid', live({ term: { did: viewer } }, { terms: { subjectDid: targets } }), n) },
    { index: 'blocks', body: onePer('did', live({ terms: { did: targets } }, { term: { subjectDid: viewer } }), n) },
    listblocksOf([viewer]),
    listblocksOf(targets),
  ])
  const found: FoundBlock[] = [
    ...blocking!.hits.map((hit): FoundBlock => [valueOf(hit, 'subjectDid'), 'blocking', hit._id]),
    ...blockedBy!.hits.map((hit): FoundBlock => [valueOf(hit, 'did'), 'blockedBy', hit._id]),
  ]
  const viewerLists = new Set(viewerListblocks!.hits.map((hit) => valueOf(hit, 'listUri')).filter((l) => l !== undefined))
  const listOwners = new Map<string, string[]>()
  for (const hit of targetListblocks!.hits) {
    const list = valueOf(hit, 'listUri')
    const owner = valueOf(hit, 'did')
    if (list && owner) listOwners.set(list, [...(listOwners.get(list) ?? []), owner])
  }
  if (viewerLists.size === 0 && listOwners.size === 0) return found
  // Who is on those lists: targets on the viewer's block lists, the viewer on the targets'.
  const should: object[] = []
  if (viewerLists.size) should.push(live({ terms: { listUri: [...viewerLists] } }, { terms: { subjectDid: targets } }))
  if (listOwners.size) should.push(live({ terms: { listUri: [...listOwners.keys()] } }, { term: { subjectDid: viewer } }))
  const members = await search.one({
    index: 'listitems',
    body: { size: 10_000, query: { bool: { should, minimum_should_match: 1 } }, ...onlyValues('listUri', 'subjectDid'), sort: ['_doc'] },
  })
  for (const hit of members.hits) {
    const list = valueOf(hit, 'listUri')
    const subject = valueOf(hit, 'subjectDid')
    if (!list || !subject) continue
    if (viewerLists.has(list) && subject !== viewer) found.push([subject, 'blockingByList', list])
    if (subject === viewer) for (const owner of listOwners.get(list) ?? []) found.push([owner, 'blockedByList', list])
  }
  return found
}

function set(out: Map<string, Relationship>, did: string | undefined, key: keyof Relationship, uri: string) {
  const rel = did ? out.get(did) : undefined
  if (rel && rel[key] === undefined) rel[key] = uri
}

function listblocksOf(dids: string[]): SearchRequest {
  return {
    index: 'listblocks',
    body: { size: Math.min(10_000, MAX_LISTBLOCKS * dids.length), query: live({ terms: { did: dids } }), ...onlyValues('did', 'listUri') },
  }
}

/**
 * Pairs that block each other in either direction, directly or through a list block.
 * Answers with the pairs (as given) that do.
 */
export async function getBlockedPairs(search: Searcher, pairs: [string, string][]): Promise<[string, string][]> {
  const relevant = pairs.filter(([a, b]) => a !== b)
  if (relevant.length === 0) return []
  const dids = [...new Set(relevant.flat())]
  const [direct, listblocks] = await search.many([
    {
      index: 'blocks',
      body: { size: 10_000, query: live({ terms: { did: dids } }, { terms: { subjectDid: dids } }), ...onlyValues('did', 'subjectDid') },
    },
    listblocksOf(dids),
  ])
  const blocks = new Set<string>()
  for (const hit of direct!.hits) blocks.add(pairKey(valueOf(hit, 'did'), valueOf(hit, 'subjectDid')))
  const ownersByList = new Map<string, string[]>()
  for (const hit of listblocks!.hits) {
    const list = valueOf(hit, 'listUri')
    const owner = valueOf(hit, 'did')
    if (list && owner) ownersByList.set(list, [...(ownersByList.get(list) ?? []), owner])
  }
  if (ownersByList.size > 0) {
    const members = await search.one({
      index: 'listitems',
      body: {
        size: 10_000,
        query: live({ terms: { listUri: [...ownersByList.keys()] } }, { terms: { subjectDid: dids } }),
        ...onlyValues('listUri', 'subjectDid'),
      },
    })
    for (const hit of members.hits) {
      for (const owner of ownersByList.get(valueOf(hit, 'listUri') ?? '') ?? []) blocks.add(pairKey(owner, valueOf(hit, 'subjectDid')))
    }
  }
  return relevant.filter(([a, b]) => blocks.has(pairKey(a, b)) || blocks.has(pairKey(b, a)))
}

const pairKey = (a: unknown, b: unknown) => `${String(a)} ${String(b)}`

/** Everyone on the list (its live listitems' subjects). */
export function getListMemberDids(search: Searcher, listUri: string): Promise<string[]> {
  return distinctDids(search, 'listitems', { term: { listUri } }, 'subjectDid')
}

/**
 * The distinct values of `field` over live records matching `clause`, at most MAX_FOLLOWED of
 * them: the answer is fed back into a `terms` query. A composite aggregation rather than hits,
 * since duplicates (clients retry writes) would otherwise count against the limit.
 */
export async function distinctDids(search: Searcher, index: 'follows' | 'listitems', clause: object, field: string, partitions?: string[]): Promise<string[]> {
  const found: string[] = []
  let after: Record<string, unknown> | undefined
  for (;;) {
    const { aggregations } = await search.one({
      index,
      partitions,
      body: {
        size: 0,
        track_total_hits: false,
        query: live(clause),
        aggs: { subjects: { composite: { size: COMPOSITE_PAGE, sources: [{ did: { terms: { field } } }], ...(after ? { after } : {}) } } },
      },
    })
    const buckets = (aggregations?.subjects?.buckets ?? []) as { key: { did: string } }[]
    for (const b of buckets) found.push(b.key.did)
    after = aggregations?.subjects?.after_key
    // A page short of full was the last: asking after it would only answer nothing.
    if (!after || buckets.length < COMPOSITE_PAGE || found.length >= MAX_FOLLOWED) return found.slice(0, MAX_FOLLOWED)
  }
}

const COMPOSITE_PAGE = 10_000

export interface KnownFollowers {
  /** How many accounts the viewer follows also follow the subject. */
  count: number
  /** A few of them. */
  sample: string[]
}

/** For each subject: the accounts among `followed` (whom the viewer follows) that follow it. */
export async function getKnownFollowers(
  search: Searcher,
  followed: string[],
  subjects: string[],
  sampleSize: number,
  /** The follows partitions that can hold a follow of the subjects (undefined: all). */
  partitions?: string[],
): Promise<Map<string, KnownFollowers>> {
  const out = new Map<string, KnownFollowers>()
  if (followed.length === 0 || subjects.length === 0) return out
  const { aggregations } = await search.one({
    index: 'follows',
    partitions,
    body: {
      size: 0,
      track_total_hits: false,
      query: live({ terms: { subjectDid: subjects } }, { terms: { did: followed } }),
      aggs: {
        bySubject: {
          terms: { field: 'subjectDid', include: subjects, size: subjects.length },
          aggs: {
            // Exact below the threshold, and the count cannot exceed the accounts followed; a
            // threshold no larger than that keeps the counters small (a fixed 40,000 cost
            // hundreds of milliseconds per page of profiles).
            count: { cardinality: { field: 'did', precision_threshold: Math.min(followed.length, 40_000) } },
            sample: { terms: { field: 'did', size: sampleSize, order: { _key: 'asc' } } },
          },
        },
      },
    },
  })
  for (const bucket of aggregations?.bySubject?.buckets ?? []) {
    out.set(bucket.key, { count: bucket.count.value, sample: bucket.sample.buckets.map((b: { key: string }) => b.key) })
  }
  return out
}

/** The viewer's listblock of each list, if any (a list view's `viewer.blocked`). */
export async function getListBlocksBy(search: Searcher, viewer: string, listUris: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  if (listUris.length === 0) return out
  const { hits } = await search.one({
    index: 'listblocks',
    body: onePer('listUri', live({ term: { did: viewer } }, { terms: { listUri: listUris } }), listUris.length),
  })
  for (const hit of hits) {
    const list = valueOf(hit, 'listUri')
    if (list) out.set(list, hit._id)
  }
  return out
}
