import type { Page, PageRequest } from '#/dataplane/pages.js'
import { live } from '#/dataplane/keyset.js'
import { newestFirst } from '#/dataplane/partition-walk.js'
import type { Hit, Searcher } from '#/dataplane/opensearch-reader.js'
import { allFamilies, familyForCollection } from '#/indexing/families.js'
import { linkKey, splitLinkKey } from '#/indexing/links.js'
import { readAlias } from '#/indexing/route.js'

/**
 * Backlinks of any record, account or URL: the live records whose `linksTo` (indexing/links.ts)
 * names it, across every family's read alias. A deleted record's tombstone holds no links, so
 * deleted records never match and nothing is checked record by record.
 */

export interface LinkFilter {
  collection?: string
  /** A path as stored, e.g. `.subject.uri`. */
  path?: string
}

export interface Backlink {
  uri: string
  /** The linking record's author. */
  did: string
  cid: string
  collection: string
  /** Where the record names the subject (one record may name it at several paths). */
  paths: string[]
  indexedAt: string
}

/** OpenSearch refuses longer regular expressions (`index.max_regex_length`). */
const MAX_PATTERN_LENGTH = 1000

/** A subject or path too long to match by pattern: the caller turns it into a 400. */
export class LinkPatternTooLong extends Error {}

/** The aliases to search: the collection's family only, or every family. */
export function aliasesFor(search: Searcher, collection: string | undefined): string[] {
  const families = collection ? [familyForCollection(collection)] : allFamilies
  return families.map((family) => readAlias(search.prefix, family.index))
}

// Lucene's regular expressions take `\` before any character as that character.
export const escapeRegex = (text: string): string => text.replace(/[.?+*|{}[\]()"\\#@&<>~^$]/g, (c) => `\\${c}`)

export function pattern(source: string): string {
  if (source.length > MAX_PATTERN_LENGTH) throw new LinkPatternTooLong('subject and path are too long to match together')
  return source
}

/** The query clause for links to `subject`, narrowed by collection and path. */
export function linkClause(subject: string, filter: LinkFilter): object {
  const { collection, path } = filter
  if (collection && path !== undefined) return { term: { linksTo: linkKey(subject, collection, path) } }
  if (collection) return { prefix: { linksTo: `${subject} ${collection} ` } }
  if (path !== undefined) return { regexp: { linksTo: { value: pattern(`${escapeRegex(subject)} [^ ]+ ${escapeRegex(path)}`), flags: 'NONE' } } }
  return { prefix: { linksTo: `${subject} ` } }
}

/**
 * Live records linking to `subject`, newest first (sort key: NEWEST_FIRST's). Sorted by `sortAt`
 * alone with the tie-breakers read from doc values (partition-walk.ts newestFirst): a popular
 * subject's thousands of matches made the keyword tie-breakers most of the search.
 */
export async function getBacklinks(search: Searcher, subject: string, filter: LinkFilter, page: PageRequest): Promise<Page<Backlink>> {
  const [found = []] = await newestFirst(
    search,
    [
      {
        index: 'records',
        // Every family's alias at once; `partitions` takes any index expression.
        partitions: aliasesFor(search, filter.collection),
        query: live(linkClause(subject, filter)),
        // Doc values only: reading `_source` means inflating a compressed block per hit, which
        // was most of a page's time for a popular subject.
        source: false,
        docvalues: ['linksTo', 'did', 'cid', 'indexedAt'],
      },
    ],
    page.limit + 1,
    page.after,
  )
  const kept = found.slice(0, page.limit)
  return {
    items: kept.flatMap(({ hit }) => backlinkOf(hit, subject, filter) ?? []),
    next: found.length > page.limit ? kept.at(-1)?.key : undefined,
  }
}

function backlinkOf(hit: Hit, subject: string, filter: LinkFilter): Backlink | undefined {
  const collection = /^at:\/\/[^/]+\/([^/]+)\//.exec(hit._id)?.[1]
  const field = (name: string) => hit.fields?.[name]?.[0]
  if (!collection) return undefined
  const paths = ((hit.fields?.linksTo ?? []) as string[])
    .flatMap((key) => splitLinkKey(key, subject) ?? [])
    .filter((link) => link.collection === collection && (filter.path === undefined || link.path === filter.path))
    .map((link) => link.path)
  if (paths.length === 0) return undefined
  return { uri: hit._id, did: String(field('did')), cid: String(field('cid')), collection, paths, indexedAt: String(field('indexedAt')) }
}

/** Distinct accounts whose live records link to `subject` from `collection` at `path`, by DID, after `after`. */
export async function getLinkingAccounts(
  search: Searcher,
  subject: string,
  filter: Required<LinkFilter>,
  page: { after?: string; limit: number },
): Promise<{ dids: string[]; next?: string }> {
  const { aggregations } = await search.one({
    index: 'records',
    partitions: aliasesFor(search, filter.collection),
    body: {
      size: 0,
      track_total_hits: false,
      query: live(linkClause(subject, filter)),
      aggs: {
        accounts: {
          composite: { size: page.limit, sources: [{ did: { terms: { field: 'did' } } }], ...(page.after ? { after: { did: page.after } } : {}) },
        },
      },
    },
  })
  const buckets = (aggregations?.accounts?.buckets ?? []) as { key: { did: string } }[]
  const dids = buckets.map((b) => b.key.did)
  return { dids, next: dids.length === page.limit ? dids.at(-1) : undefined }
}
