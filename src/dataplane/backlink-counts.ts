import { live } from '#/dataplane/keyset.js'
import type { Hit, Searcher } from '#/dataplane/opensearch-reader.js'
import { aliasesFor, escapeRegex, linkClause, pattern } from '#/dataplane/backlinks.js'
import { splitLinkKey } from '#/indexing/links.js'

/**
 * How many live records link to a subject, by collection and path. Most subjects have a few
 * linking records: the first SAMPLE of them are read (their author and keys, from doc values)
 * with the partitions holding any, and when that is all of them they are counted here — one
 * request and no aggregation. A popular subject is counted by the aggregation over every linking
 * record's keys (a `terms` on `linksTo`, each value matched against the subject's pattern, with
 * distinct accounts), asked only of the partitions holding its records: an aggregation costs
 * something on every shard it is asked of, whether the shard holds any or not.
 *
 * Measured, and left as is: a popular subject's cost is about two thirds its distinct accounts
 * (`cardinality` on `did`, in all and per group), one third the keys; global ordinals for the
 * keys would be rebuilt, for millions of them, after every refresh of a partition being written.
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
  // Only the partitions holding linking records are asked again: an aggregation costs something
  // on every shard it is asked of, whether the shard holds any or not.
  return countByReadingKeys(search, subject, first.partitions)
}

const linking = (subject: string) => live(linkClause(subject, {}))

/** Every linking record's keys read: exact for any subject, and costly for a popular one. */
async function countByReadingKeys(search: Searcher, subject: string, partitions: string[]): Promise<BacklinkCounts> {
  const { total, aggregations } = await search.one({
    index: 'records',
    partitions,
    body: {
      size: 0,
      track_total_hits: true,
      query: linking(subject),
      aggs: {
        accounts,
        keys: { terms: { field: 'linksTo', include: pattern(`${escapeRegex(subject)} .*`), size: MAX_GROUPS, execution_hint: 'map' }, aggs: { accounts } },
      },
    },
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

/** Records and distinct accounts per key of `subject` among `hits` (each record holds a key once). */
function tally(subject: string, hits: Hit[]): Group[] {
  const byKey = new Map<string, { records: number; accounts: Set<unknown> }>()
  for (const hit of hits) {
    for (const key of (hit.fields?.linksTo ?? []) as string[]) {
      if (!splitLinkKey(key, subject)) continue
      const group = byKey.get(key) ?? byKey.set(key, { records: 0, accounts: new Set() }).get(key)!
      group.records++
      group.accounts.add(authorOf(hit))
    }
  }
  return [...byKey].map(([key, g]) => ({ key, records: g.records, accounts: g.accounts.size }))
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
