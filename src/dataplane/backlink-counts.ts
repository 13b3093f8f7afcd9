import { live } from '#/dataplane/keyset.js'
import type { Hit, Searcher } from '#/dataplane/opensearch-reader.js'
import { aliasesFor, escapeRegex, linkClause, pattern } from '#/dataplane/backlinks.js'
import { linkKeyAt, splitLinkKey } from '#/indexing/links.js'

/**
 * How many live records link to a subject, by collection and path. Most subjects have a few
 * linking records: the first SAMPLE of them are read (their author and keys, from doc values)
 * with the partitions holding any, and when that is all of them they are counted here — one
 * request and no aggregation.
 *
 * A popular subject is counted group by group, one `term` filter on its key each: a filter
 * reads postings, where grouping by the key itself (a `terms` on `linksTo`, every value of every
 * linking record matched against the subject's pattern) cost ~15x more on 50,000 records. The
 * groups counted are the keys the first read saw, and, from the same request, every place
 * (`linkPlaces`, collection and path; links.ts) the linking records hold links at: a key of a
 * place the first read did not see is counted in one more request, so a rare group inside a
 * record that also holds a common one is not missed. A place whose links go elsewhere counts 0
 * and is left out. Records written before places existed (they hold none) are counted the old
 * way, by their keys, until their family is reindexed. The places are not asked for in the
 * first read: that would cost every cold subject ~3 ms more, to spare a popular one a request.
 */

export interface BacklinkCount {
  collection: string
  path: string
  records: number
  accounts: number
}

export interface BacklinkCounts {
  records: number
  accounts: number
  counts: BacklinkCount[]
}

/** Linking records read per request; a subject with no more is counted from them alone. */
const SAMPLE = 500
/** Groups (collection and path) a count reports; a subject is rarely named from more places. */
const MAX_GROUPS = 1000
/** Distinct counts are exact up to here (HyperLogLog beyond: within a few percent). */
const EXACT_DISTINCT = 40_000
/** Partitions (concrete indices) a popular subject's records are looked for in. */
const MAX_PARTITIONS = 10_000
/** Places counted by filter; a subject's linking records holding links at more are counted by their keys. */
const MAX_PLACES = 256

const accounts = { cardinality: { field: 'did', precision_threshold: EXACT_DISTINCT } }

interface Group {
  key: string
  records: number
  accounts: number
}

/** Linking records read (all of them when `complete`), and the partitions holding any. */
interface Read {
  total: number
  hits: Hit[]
  complete: boolean
  partitions: string[]
}

/** How many live records link to `subject`, from how many accounts, by collection and path. */
export async function getBacklinkCounts(search: Searcher, subject: string): Promise<BacklinkCounts> {
  const first = await readFirst(search, subject)
  if (first.complete) return answer(subject, first.total, new Set(first.hits.map(authorOf)).size, tally(subject, first.hits))
  return countByPlaces(search, subject, first)
}

const linking = (subject: string) => live(linkClause(subject, {}))

/**
 * A popular subject: each group counted by a filter on its key, the keys the first read saw at
 * once and those of places it did not see after. Only the partitions holding linking records are
 * asked: an aggregation costs something on every shard it is asked of.
 */
async function countByPlaces(search: Searcher, subject: string, first: Read): Promise<BacklinkCounts> {
  const seen = new Set(first.hits.flatMap((hit) => keysOf(hit).filter((key) => splitLinkKey(key, subject))))
  if (seen.size > MAX_PLACES) return countByReadingKeys(search, subject, first.partitions)
  const { total = 0, aggregations } = await aggregateLinking(search, subject, first.partitions, {
    accounts,
    ...(seen.size > 0 && { groups: byKey([...seen]) }),
    places: { terms: { field: 'linkPlaces', size: MAX_PLACES + 1 } },
    unplaced: { missing: { field: 'linkPlaces' } },
  })
  // Records written before places existed hold none: theirs are found by reading their keys.
  const places = ((aggregations?.places?.buckets ?? []) as { key: string }[]).map((b) => linkKeyAt(subject, b.key))
  if ((aggregations?.unplaced?.doc_count ?? 0) > 0 || places.length > MAX_PLACES) return countByReadingKeys(search, subject, first.partitions)
  const groups = groupsOf([...seen], aggregations?.groups)
  const unseen = places.filter((key) => !seen.has(key))
  if (unseen.length > 0) {
    const rest = await aggregateLinking(search, subject, first.partitions, { groups: byKey(unseen) })
    groups.push(...groupsOf(unseen, rest.aggregations?.groups))
  }
  return answer(subject, total, aggregations?.accounts?.value ?? 0, groups)
}

/** Aggregations over the live records linking to `subject` in `partitions`, with their exact count. */
function aggregateLinking(search: Searcher, subject: string, partitions: string[], aggs: object) {
  return search.one({ index: 'records', partitions, body: { size: 0, track_total_hits: true, query: linking(subject), aggs } })
}

/** One bucket per key (in the keys' order), with its distinct accounts. */
const byKey = (keys: string[]) => ({ filters: { filters: keys.map((key) => ({ term: { linksTo: key } })) }, aggs: { accounts } })

function groupsOf(keys: string[], agg: { buckets?: { doc_count: number; accounts: { value: number } }[] } | undefined): Group[] {
  return (agg?.buckets ?? []).map((b, i) => ({ key: keys[i]!, records: b.doc_count, accounts: b.accounts.value }))
}

/** Every linking record's keys read: exact for any subject, and costly for a popular one. */
async function countByReadingKeys(search: Searcher, subject: string, partitions: string[]): Promise<BacklinkCounts> {
  const { total, aggregations } = await aggregateLinking(search, subject, partitions, {
    accounts,
    keys: { terms: { field: 'linksTo', include: pattern(`${escapeRegex(subject)} .*`), size: MAX_GROUPS, execution_hint: 'map' }, aggs: { accounts } },
  })
  const buckets = (aggregations?.keys?.buckets ?? []) as { key: string; doc_count: number; accounts: { value: number } }[]
  return answer(subject, total ?? 0, aggregations?.accounts?.value ?? 0, buckets.map((b) => ({ key: b.key, records: b.doc_count, accounts: b.accounts.value })))
}

/**
 * The first SAMPLE records linking to `subject`: their authors and link keys, from doc values,
 * and the partitions holding any. Each shard stops after one record more than that, so with no
 * more than SAMPLE in all, none stopped early and these are all of them.
 */
async function readFirst(search: Searcher, subject: string): Promise<Read> {
  const { total = 0, hits, aggregations } = await search.one({
    index: 'records',
    partitions: aliasesFor(search, undefined),
    // A cold subject's counts are asked again and again: kept as size-0 answers are (its query
    // phase, until the shard's next refresh).
    requestCache: true,
    body: {
      size: SAMPLE,
      terminate_after: SAMPLE + 1,
      track_total_hits: true,
      query: linking(subject),
      sort: ['_doc'],
      stored_fields: ['_none_'],
      docvalue_fields: ['did', 'linksTo'],
      aggs: { partitions: { terms: { field: '_index', size: MAX_PARTITIONS } } },
    },
  })
  const held = ((aggregations?.partitions?.buckets ?? []) as { key: string }[]).map((b) => b.key)
  return { total, hits, complete: total <= SAMPLE && hits.length >= total, partitions: held }
}

const authorOf = (hit: Hit) => hit.fields?.did?.[0]
const keysOf = (hit: Hit) => (hit.fields?.linksTo ?? []) as string[]

/** Records and distinct accounts per key of `subject` among `hits` (each record holds a key once). */
function tally(subject: string, hits: Hit[]): Group[] {
  const groups = new Map<string, { records: number; accounts: Set<unknown> }>()
  for (const hit of hits) {
    for (const key of keysOf(hit)) {
      if (!splitLinkKey(key, subject)) continue
      const group = groups.get(key) ?? groups.set(key, { records: 0, accounts: new Set() }).get(key)!
      group.records++
      group.accounts.add(authorOf(hit))
    }
  }
  return [...groups].map(([key, g]) => ({ key, records: g.records, accounts: g.accounts.size }))
}

/** The groups with records, most records first, then by key (as a `terms` aggregation orders them). */
function answer(subject: string, records: number, accounts: number, groups: Group[]): BacklinkCounts {
  const counts = groups
    .filter((g) => g.records > 0)
    .sort((a, b) => b.records - a.records || Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)))
    .slice(0, MAX_GROUPS)
    .flatMap((g) => {
      const group = splitLinkKey(g.key, subject)
      return group ? [{ ...group, records: g.records, accounts: g.accounts }] : []
    })
  return { records, accounts, counts }
}
