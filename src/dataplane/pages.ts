import { NOT_DELETED, type FamilyIndex, type Hit, type Searcher } from '#/dataplane/opensearch-reader.js'

/**
 * Paged listings of graph records (an account's follows, followers, blocks, lists, starter packs,
 * feeds; a list's members), newest first as the reference AppView orders them, with OpenSearch
 * `search_after` keys that a cursor carries between requests.
 */

/** Sort values of the last item of a page: where the next page starts. */
export type SortKey = (string | number)[]

export interface PageRequest {
  /** Continue after this key (from a cursor); undefined for the first page. */
  after?: SortKey
  limit: number
}

export interface Page<T> {
  items: T[]
  /** Where the next page starts; undefined when this page is the last. */
  next?: SortKey
  /** Each item's own sort key, where the listing gives them: a page that ends after item i continues from `keys[i]`. */
  keys?: SortKey[]
  /** How many items the whole listing has, where it was asked to count them. */
  total?: number
}

/** A graph record as listings need it. */
export interface RecordRef {
  uri: string
  /** The author. */
  did: string
  /** `record.subject` when it is a string (the followed/blocked/listed DID, or a list URI). */
  subject?: string
}

/**
 * Newest first: the record's time, then its CID (the reference AppView's keyset), then the author
 * so that identical records by different accounts still have distinct keys. Three values, a
 * number then two strings.
 */
const NEWEST_FIRST = [{ sortAt: 'desc' }, { cid: 'desc' }, { did: 'desc' }]

/** Listblocks read per viewer: more than this many subscriptions by one account is not a person. */
const MAX_LISTBLOCKS = 1000

/** A page of live records of one family matching `filter`, newest first (one more fetched to tell whether a next page exists). */
export async function pageRecords(
  search: Searcher,
  index: FamilyIndex,
  filter: object[],
  page: PageRequest,
  /** Also count every match (a search's hitsTotal). */
  countAll = false,
): Promise<Page<RecordRef>> {
  const { hits, total } = await search.one({
    index,
    body: {
      size: page.limit + 1,
      track_total_hits: countAll,
      query: { bool: { filter, must_not: [NOT_DELETED] } },
      sort: NEWEST_FIRST,
      _source: ['did', 'record.subject'],
      ...(page.after ? { search_after: page.after } : {}),
    },
  })
  const items = hits.slice(0, page.limit)
  return {
    items: items.map(refOf),
    next: hits.length > page.limit ? (items.at(-1)?.sort as SortKey | undefined) : undefined,
    ...(countAll && total !== undefined ? { total } : {}),
  }
}

function refOf(hit: Hit): RecordRef {
  const subject = hit._source?.record?.subject
  return { uri: hit._id, did: String(hit._source?.did ?? ''), subject: typeof subject === 'string' ? subject : undefined }
}

/** The accounts `did` follows (follow records, newest first). */
export const pageFollows = (search: Searcher, did: string, page: PageRequest) => pageRecords(search, 'follows', [{ term: { did } }], page)

/** The accounts following `did` (follow records, newest first). */
export const pageFollowers = (search: Searcher, did: string, page: PageRequest) =>
  pageRecords(search, 'follows', [{ term: { subjectDid: did } }], page)

/** The viewer's block records, newest first. */
export const pageBlocks = (search: Searcher, viewer: string, page: PageRequest) => pageRecords(search, 'blocks', [{ term: { did: viewer } }], page)

/** An account's lists with one of `purposes` (full NSID refs), newest first. */
export const pageLists = (search: Searcher, did: string, page: PageRequest) => pageRecords(search, 'lists', [{ term: { did } }], page)

/** Lists among `uris` that exist, newest first (a viewer's block or mute subscriptions). */
export function pageListsByUri(search: Searcher, uris: string[], page: PageRequest): Promise<Page<RecordRef>> {
  if (uris.length === 0) return Promise.resolve({ items: [] })
  return pageRecords(search, 'lists', [{ ids: { values: uris } }], page)
}

/** A list's members (listitem records), newest first, leaving out `exclude` (accounts not to show). */
export const pageListItems = (search: Searcher, listUri: string, page: PageRequest, exclude: string[] = []) =>
  pageRecords(search, 'listitems', [{ term: { listUri } }, ...(exclude.length ? [{ bool: { must_not: [{ terms: { subjectDid: exclude } }] } }] : [])], page)

/** An account's starter packs, newest first. */
export const pageStarterPacks = (search: Searcher, did: string, page: PageRequest) =>
  pageRecords(search, 'starterpacks', [{ term: { did } }], page)

/** An account's feed generators, newest first. */
export const pageFeedGens = (search: Searcher, did: string, page: PageRequest) => pageRecords(search, 'feedgens', [{ term: { did } }], page)

/** The lists the viewer subscribes to as block lists (bounded). */
export async function getListblockSubjects(search: Searcher, viewer: string): Promise<string[]> {
  const { hits } = await search.one({
    index: 'listblocks',
    body: {
      size: MAX_LISTBLOCKS,
      query: { bool: { filter: [{ term: { did: viewer } }], must_not: [NOT_DELETED] } },
      _source: ['record.subject'],
      sort: NEWEST_FIRST,
    },
  })
  return [...new Set(hits.map((hit) => hit._source?.record?.subject).filter((s): s is string => typeof s === 'string'))]
}
