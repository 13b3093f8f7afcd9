import type { Page, SortKey } from '#/dataplane/pages.js'
import { NEWEST_FIRST } from '#/dataplane/keyset.js'
import { NOT_DELETED, type Searcher } from '#/dataplane/opensearch-reader.js'
import type { TextClause } from '#/search/query-parser.js'

/**
 * Search over records of third-party lexicons (the generic `records` family, whose title and
 * text the transform fills: indexing/transforms/record-text.ts), newest first. User text only
 * ever reaches a match's `query`, which the analyzer tokenizes and never parses.
 */

export interface RecordSearchRequest {
  text: TextClause[]
  collection?: string
  /** DIDs. */
  authors?: string[]
  excludeAuthors?: string[]
  since?: string
  until?: string
  limit: number
  after?: SortKey
  /** Counts by collection, over every match whatever the collection filter. */
  facetSize: number
}

export interface RecordHit {
  uri: string
  did: string
  cid: string
  collection: string
  record: Record<string, unknown>
  /** Matched passages, HTML-escaped with the matches in `<em>`. */
  highlights: { field: 'title' | 'text'; fragments: string[] }[]
}

export interface RecordSearchPage extends Page<RecordHit> {
  total: number
  collections: { value: string; count: number }[]
}

const WORD_FIELDS = ['title^2', 'title.en^1.4', 'text', 'text.en^0.7']

function clauseQuery(clause: TextClause): object {
  if (clause.kind === 'phrase') {
    const phrase = (field: string) => ({ match_phrase: { [field]: { query: clause.text, zero_terms_query: 'all' } } })
    return { bool: { should: [phrase('title'), phrase('text')], minimum_should_match: 1 } }
  }
  return { multi_match: { query: clause.text, fields: WORD_FIELDS, type: 'best_fields', operator: 'and', zero_terms_query: 'all' } }
}

export async function searchRecords(search: Searcher, req: RecordSearchRequest): Promise<RecordSearchPage> {
  const must = req.text.filter((c) => !c.negated).map(clauseQuery)
  const mustNot = [NOT_DELETED, ...req.text.filter((c) => c.negated).map(clauseQuery)]
  const filter: object[] = []
  if (req.authors?.length) filter.push({ terms: { did: req.authors } })
  if (req.excludeAuthors?.length) mustNot.push({ terms: { did: req.excludeAuthors } })
  if (req.since || req.until) filter.push({ range: { sortAt: { ...(req.since ? { gte: req.since } : {}), ...(req.until ? { lt: req.until } : {}) } } })
  const { hits, total, aggregations } = await search.one({
    index: 'records',
    body: {
      size: req.limit + 1,
      track_total_hits: true,
      query: { bool: { must, must_not: mustNot, filter } },
      // The collection narrows the hits but not the facet, so every collection stays in view.
      ...(req.collection ? { post_filter: { term: { collection: req.collection } } } : {}),
      aggs: { collections: { terms: { field: 'collection', size: req.facetSize } } },
      sort: NEWEST_FIRST,
      _source: ['did', 'cid', 'collection', 'record'],
      highlight: {
        encoder: 'html',
        pre_tags: ['<em>'],
        post_tags: ['</em>'],
        fields: { title: { number_of_fragments: 0 }, text: { fragment_size: 160, number_of_fragments: 3 } },
      },
      ...(req.after ? { search_after: req.after } : {}),
    },
  })
  const kept = hits.slice(0, req.limit)
  const buckets = (aggregations?.collections?.buckets ?? []) as { key: string; doc_count: number }[]
  return {
    items: kept.flatMap((hit) => {
      const source = hit._source
      if (!source || typeof source.record !== 'object') return []
      const highlight = ((hit as { highlight?: Record<string, string[]> }).highlight ?? {}) as Record<string, string[]>
      const highlights = (['title', 'text'] as const).flatMap((field) => (highlight[field]?.length ? [{ field, fragments: highlight[field] }] : []))
      return [{ uri: hit._id, did: String(source.did), cid: String(source.cid), collection: String(source.collection), record: source.record, highlights }]
    }),
    next: hits.length > req.limit ? (kept.at(-1)?.sort as SortKey | undefined) : undefined,
    total: total ?? 0,
    collections: buckets.map((b) => ({ value: b.key, count: b.doc_count })),
  }
}
