import { CJK_TEXT_FIELDS, queryLanguages, type CjkLanguage } from '#/search/languages.js'
import type { TextClause } from '#/search/query-parser.js'

/**
 * A parsed post search (plus the filters searchPostsV2 and the faceted endpoint take as
 * parameters) → OpenSearch query DSL over the posts family. Only match, match_phrase, term(s),
 * prefix and range clauses built here; user text is only ever a match's `query`, which the
 * analyzer tokenizes and never parses.
 *
 * Fields: `text` (ICU words, folded, CJK as bigrams) and `text.en` (English stems) exist for
 * every post; `text_ja`, `text_ko`, `text_zh` only for posts in those languages (see the post
 * transform), so they are searched only when the query is in their script.
 */

/** Account and time filters after identities are resolved to DIDs (`me` included). */
export interface ResolvedFilters {
  authors?: string[]
  excludeAuthors?: string[]
  /** Mentioned by facet, or (for `to:`) replied to. */
  mentions?: string[]
  excludeMentions?: string[]
  to?: string[]
  excludeTo?: string[]
  domains?: string[]
  excludeDomains?: string[]
  urls?: string[]
  excludeUrls?: string[]
  embeddedAtUris?: string[]
  excludeEmbeddedAtUris?: string[]
  /** Each must be present (AND), as searchPosts' `tag` parameter and `#tags` in the query. */
  hashtags?: string[]
  /** Any may be present (OR), as searchPostsV2's `hashtags`. */
  anyHashtags?: string[]
  excludeHashtags?: string[]
  languages?: string[]
  excludeLanguages?: string[]
  hasMedia?: boolean
  hasVideo?: boolean
  repliesOnly?: boolean
  excludeReplies?: boolean
  threadRootUri?: string
  replyParentUri?: string
  /** Posts by these accounts only (the viewer's follows); an empty list matches nothing. */
  followedDids?: string[]
  since?: string
  until?: string
}

export interface PostSearch {
  text: TextClause[]
  filters: ResolvedFilters
  /** The languages the text is searched in besides the general fields. */
  languages: CjkLanguage[]
}

/** The bool query that selects matching posts (tombstones are left out by the caller's `live`). */
export function postSearchQuery(search: PostSearch): { bool: Record<string, object[]> } {
  const must: object[] = []
  const mustNot: object[] = []
  const filter: object[] = []
  for (const clause of search.text) {
    const query = textClauseQuery(clause, search.languages)
    ;(clause.negated ? mustNot : must).push(query)
  }
  const f = search.filters
  const any = (field: string, values: string[] | undefined) => values?.length && filter.push({ terms: { [field]: values } })
  const none = (field: string, values: string[] | undefined) => values?.length && mustNot.push({ terms: { [field]: values } })
  any('did', f.authors)
  none('did', f.excludeAuthors)
  any('mentions', f.mentions)
  none('mentions', f.excludeMentions)
  for (const did of f.to ?? []) filter.push(either({ term: { mentions: did } }, { term: { replyParentDid: did } }))
  for (const did of f.excludeTo ?? []) mustNot.push({ term: { mentions: did } }, { term: { replyParentDid: did } })
  any('domains', f.domains?.map(normalizeDomain))
  none('domains', f.excludeDomains?.map(normalizeDomain))
  any('links', f.urls?.flatMap(urlVariants))
  none('links', f.excludeUrls?.flatMap(urlVariants))
  if (f.embeddedAtUris?.length) filter.push(embeds(f.embeddedAtUris))
  if (f.excludeEmbeddedAtUris?.length) mustNot.push(embeds(f.excludeEmbeddedAtUris))
  for (const tag of f.hashtags ?? []) filter.push({ term: { tags: tag } })
  any('tags', f.anyHashtags)
  none('tags', f.excludeHashtags)
  if (f.languages?.length) filter.push(languageQuery(f.languages))
  if (f.excludeLanguages?.length) mustNot.push(languageQuery(f.excludeLanguages))
  if (f.hasMedia) filter.push({ term: { hasMedia: true } })
  if (f.hasVideo) filter.push({ term: { hasVideo: true } })
  if (f.repliesOnly) filter.push({ term: { isReply: true } })
  if (f.excludeReplies) filter.push({ term: { isReply: false } })
  // The root itself belongs to its thread.
  if (f.threadRootUri) filter.push(either({ term: { replyRoot: f.threadRootUri } }, { ids: { values: [f.threadRootUri] } }))
  if (f.replyParentUri) filter.push({ term: { replyParent: f.replyParentUri } })
  if (f.followedDids) filter.push(f.followedDids.length ? { terms: { did: f.followedDids } } : { match_none: {} })
  if (f.since || f.until) filter.push({ range: { sortAt: { ...(f.since ? { gte: f.since } : {}), ...(f.until ? { lt: f.until } : {}) } } })
  return { bool: { must, must_not: mustNot, filter } }
}

/**
 * A word must occur in some field that applies (ICU words, English stems, the query's CJK
 * languages); a phrase must occur as written in the ICU field (positions are kept only there).
 * A word the analyzers reduce to nothing (bare symbols) matches everything rather than nothing.
 */
function textClauseQuery(clause: TextClause, languages: CjkLanguage[]): object {
  if (clause.kind === 'phrase') {
    const phrase = (field: string) => ({ match_phrase: { [field]: { query: clause.text, zero_terms_query: 'all' } } })
    const own = queryLanguages(clause.text).filter((l) => languages.includes(l))
    return own.length === 0 ? phrase('text') : either(phrase('text'), ...own.map((l) => phrase(CJK_TEXT_FIELDS[l])))
  }
  const fields = ['text', 'text.en^0.7', ...queryLanguages(clause.text).filter((l) => languages.includes(l)).map((l) => `${CJK_TEXT_FIELDS[l]}^1.2`)]
  return { multi_match: { query: clause.text, fields, type: 'best_fields', operator: 'and', zero_terms_query: 'all' } }
}

const either = (...should: object[]) => ({ bool: { should, minimum_should_match: 1 } })

// `en` finds posts tagged `en-US` too.
function languageQuery(languages: string[]): object {
  const codes = languages.map((l) => l.toLowerCase())
  return either({ terms: { langs: codes } }, ...codes.map((code) => ({ prefix: { langs: `${code}-` } })))
}

function embeds(uris: string[]): object {
  return either({ terms: { quotedUri: uris } }, { terms: { links: uris } })
}

function normalizeDomain(domain: string): string {
  return domain.toLowerCase().replace(/^www\./, '').replace(/\.$/, '')
}

// A link written with or without a trailing slash is the same page to the person searching.
function urlVariants(url: string): string[] {
  return url.endsWith('/') ? [url, url.slice(0, -1)] : [url, `${url}/`]
}
