import { live } from '#/dataplane/keyset.js'
import type { Hit, Searcher } from '#/dataplane/opensearch-reader.js'
import { aliasesFor, escapeRegex, linkClause, pattern } from '#/dataplane/backlinks.js'
import { MAX_LINKS, splitLinkKey } from '#/indexing/links.js'

/**
 * How many live records link to a subject, by collection and path, without reading every
 * linking record's link keys: reading them (a `terms` aggregation on `linksTo`, each value
 * matched against the subject's pattern) cost ~120 ms for a subject with 50,000 backlinks on
 * the 10 M corpus, and global ordinals instead would be rebuilt, for millions of keys, after
 * every refresh of a partition being written.
 *
 * 1. The first SAMPLE linking records are read (their author and keys, from doc values), with
 *    the partitions holding any. For most subjects that is all of them, counted here: one
 *    request, no aggregation but those partitions.
 * 2. Otherwise, in those partitions only, the keys seen are counted by term (postings), with
 *    distinct accounts, and at the same time "the rest" is read: the records holding a key of
 *    the subject that is none of the counted ones. A record may name the subject at several
 *    paths, so that is not "records matching no counted key" (one with a counted and an
 *    uncounted path would slip through): each record is scored with how many of the subject's
 *    keys it holds less how many counted ones (uncountedKeys), and the rest is those scoring
 *    above 0. Keys found in the rest are counted from it when all of it was read, else by term
 *    in another round.
 *
 * What a popular subject still costs is mostly the distinct accounts (`cardinality` on `did`,
 * in all and per group): about two thirds of it, measured on 67,000 backlinks over 36 partitions.
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
/** Groups counted by term; a subject named from more places is counted by reading every key. */
const MAX_COUNTED_GROUPS = 100
/** Rounds of counting by term and reading the rest, before reading every key instead. */
const MAX_ROUNDS = 3
/** Groups (collection and path) a count reports; a subject is rarely named from more places. */
const MAX_GROUPS = 1000
/** Distinct counts are exact up to here (HyperLogLog beyond: within a few percent). */
const EXACT_DISTINCT = 40_000
/**
 * Keys of a subject the rest's scores count, per partition (the first in index order): with the
 * counted keys' clauses, under OpenSearch's limit on a query's clauses (1024). A subject with
 * more keys than this in one partition (only records built to name it from that many paths
 * have them) may be answered without some of its groups, as one with more than MAX_GROUPS is.
 */
const MAX_TERMS = 900
/** Partitions (concrete indices) a popular subject's records are looked for in. */
const MAX_PARTITIONS = 10_000

const accounts = { cardinality: { field: 'did', precision_threshold: EXACT_DISTINCT } }

interface Group {
  key: string
  records: number
  accounts: number
}

/** Linking records read (all of them when `complete`), and the partitions holding them when asked. */
interface Read {
  total: number
  hits: Hit[]
  complete: boolean
  partitions: string[]
}

/** How many live records link to `subject`, from how many accounts, by collection and path. */
export async function getBacklinkCounts(search: Searcher, subject: string): Promise<BacklinkCounts> {
  const first = await read(search, aliasesFor(search, undefined), linking(subject), true)
  const seen = tally(subject, first.hits)
  if (first.complete) return answer(subject, first.total, new Set(first.hits.map(authorOf)).size, seen)
  // Only the partitions holding linking records are asked again: an aggregation costs something
  // on every shard it is asked of, whether the shard holds any or not.
  return (await countByTermInRounds(search, subject, first.partitions, seen.map((g) => g.key))) ?? countByReadingKeys(search, subject, first.partitions)
}

const linking = (subject: string) => live(linkClause(subject, {}))

/**
 * Counts keys by term and reads the rest for keys not counted yet; undefined when the subject
 * has too many keys, or the rest stays too large to read, for this to finish.
 */
async function countByTermInRounds(search: Searcher, subject: string, partitions: string[], seen: string[]): Promise<BacklinkCounts | undefined> {
  const counted = new Set<string>()
  const groups: Group[] = []
  let all: { records: number; accounts: number } | undefined
  let fresh = seen
  for (let round = 0; round < MAX_ROUNDS; round++) {
    for (const key of fresh) counted.add(key)
    if (counted.size > MAX_COUNTED_GROUPS) return undefined
    const [byTerm, rest] = await Promise.all([
      countByTerm(search, partitions, all ? live({ terms: { linksTo: fresh } }) : linking(subject), fresh, all === undefined),
      read(search, partitions, live(uncountedKeys(subject, [...counted]))),
    ])
    all ??= byTerm.all
    groups.push(...byTerm.groups)
    const missed = tally(subject, rest.hits).filter((g) => !counted.has(g.key))
    // Every record holding a missed key is in the rest: read in full, it counted them.
    if (rest.complete) return answer(subject, all.records, all.accounts, [...groups, ...missed])
    fresh = missed.map((g) => g.key)
  }
  return undefined
}

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
 * The first SAMPLE records `query` finds in `partitions`: their authors and link keys, from doc
 * values; with `where`, the partitions holding any. Each shard stops after one record more than
 * that, so with no more than SAMPLE in all, none stopped early and these are all of them.
 */
async function read(search: Searcher, partitions: string[], query: object, where = false): Promise<Read> {
  const { total = 0, hits, aggregations } = await search.one({
    index: 'records',
    partitions,
    // A cold subject's counts are asked again and again: kept as size-0 answers are (its query
    // phase, until the shard's next refresh).
    requestCache: true,
    body: {
      size: SAMPLE,
      terminate_after: SAMPLE + 1,
      track_total_hits: true,
      query,
      sort: ['_doc'],
      stored_fields: ['_none_'],
      docvalue_fields: ['did', 'linksTo'],
      ...(where ? { aggs: { partitions: { terms: { field: '_index', size: MAX_PARTITIONS } } } } : {}),
    },
  })
  const held = ((aggregations?.partitions?.buckets ?? []) as { key: string }[]).map((b) => b.key)
  return { total, hits, complete: total <= SAMPLE && hits.length >= total, partitions: held }
}

/** More than the keys of a subject one record can hold: a score says how many it holds and how many are counted. */
const COUNTED_WEIGHT = MAX_LINKS + 1
/** From `held + COUNTED_WEIGHT × counted` (a whole number a float holds exactly), `held − counted`. */
const UNCOUNTED = 'double counted = Math.floor(_score / params.weight); return Math.max(0.0, _score - counted * params.weight - counted);'

/**
 * Records holding a key of `subject` that is none of `keys`. The prefix query, its terms
 * rewritten one clause each scoring 1 (`top_terms_boost`: the terms of the subject, read from
 * the term dictionary, not the documents), scores a record with how many keys of the subject
 * it holds; each of `keys` it holds adds COUNTED_WEIGHT; the script takes back both.
 */
function uncountedKeys(subject: string, keys: string[]): object {
  const held = { prefix: { linksTo: { value: `${subject} `, rewrite: `top_terms_boost_${MAX_TERMS}` } } }
  const counted = keys.map((key) => ({ constant_score: { filter: { term: { linksTo: key } }, boost: COUNTED_WEIGHT } }))
  return { script_score: { query: { bool: { should: [held, ...counted] } }, script: { source: UNCOUNTED, params: { weight: COUNTED_WEIGHT } }, min_score: 0.5 } }
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

/**
 * Records and distinct accounts holding each of `keys` among those `query` finds, and with
 * `all`, of all of them too: every bucket under one cardinality aggregation (a little cheaper
 * than a second one for all of them, which reads every record's account again).
 */
async function countByTerm(search: Searcher, partitions: string[], query: object, keys: string[], all: boolean) {
  const filters = [...(all ? [{ match_all: {} }] : []), ...keys.map((key) => ({ term: { linksTo: key } }))]
  const { aggregations } = await search.one({
    index: 'records',
    partitions: filters.length > 0 ? partitions : [],
    body: { size: 0, track_total_hits: false, query, aggs: { counts: { filters: { filters }, aggs: { accounts } } } },
  })
  const buckets = ((aggregations?.counts?.buckets ?? []) as { doc_count: number; accounts: { value: number } }[]).map((b) => ({ records: b.doc_count, accounts: b.accounts.value }))
  const whole = all ? buckets.shift() : undefined
  return { all: whole ?? { records: 0, accounts: 0 }, groups: buckets.map((b, i) => ({ key: keys[i]!, ...b })) }
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
