import { InvalidRequestError } from '@atproto/xrpc-server'
import type { z } from 'zod'
import type { ApiContext } from '#/api/context.js'
import type { HydrateCtx, HydrationState } from '#/hydration/state.js'
import { viewerBlockExists, viewerMuteExists } from '#/rules/actors.js'
import { didOfUri } from '#/records/at-uri.js'
import { decodeCursor, cursorFromKey } from '#/dataplane/cursor.js'
import { param } from '#/api/xrpc/params.js'
import type { SortKey } from '#/dataplane/index.js'
import { postView } from '#/views/index.js'
import { queryLanguages, type CjkLanguage } from '#/search/languages.js'
import type { PostSearch, ResolvedFilters } from '#/search/post-query.js'
import { isEmptyQuery, parseQuery, parseTime, QueryParseError, type FilterClause, type ParsedQuery } from '#/search/query-parser.js'

/**
 * What the post search endpoints share: the user's query and the parameter filters turned into
 * one PostSearch (identities resolved to DIDs, `me` to the viewer), cursors, and the rules step.
 */

/** Filters given as parameters, identities still as handles or DIDs. */
export interface SearchParams extends Omit<ResolvedFilters, 'followedDids'> {
  following?: boolean
  /** A language hint for the query text (searchPostsV2's queryLanguage). */
  queryLanguage?: string
}

export interface BuiltSearch {
  search: PostSearch
  /** Some author filter was asked for: the searcher wants that account's posts, muted or not. */
  byAuthor: boolean
}

/**
 * Most values one search filter parameter takes (authors, hashtags, languages, domains…): each
 * handle is resolved, each language is a clause of its own. A query's own operators stop at 32
 * terms (search/query-parser.ts).
 */
export const MAX_FILTER_VALUES = 25

/** A repeated search filter parameter, bounded by MAX_FILTER_VALUES. */
export const filterValues = <T extends z.ZodTypeAny>(item: T) => param.array(item, { maxLength: MAX_FILTER_VALUES }).optional()

const badQuery = (message: string) => new InvalidRequestError(message, 'BadQueryString')

export function parseUserQuery(q: string | undefined): ParsedQuery {
  try {
    return parseQuery(q ?? '')
  } catch (err) {
    if (err instanceof QueryParseError) throw badQuery(err.message)
    throw err
  }
}

/** A `since`/`until` parameter (date or datetime) as an ISO datetime, or BadQueryString. */
export function timeParam(what: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  try {
    return parseTime(what, value)
  } catch (err) {
    if (err instanceof QueryParseError) throw badQuery(err.message)
    throw err
  }
}

export async function buildPostSearch(ctx: ApiContext, viewer: string | null, parsed: ParsedQuery, params: SearchParams): Promise<BuiltSearch> {
  if (isEmptyQuery(parsed) && !Object.values(params).some((v) => v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0))) {
    throw badQuery('A query or at least one filter is required')
  }
  const clauses = (field: FilterClause['field'], negated: boolean) => parsed.filters.filter((f) => f.field === field && f.negated === negated).map((f) => f.value)
  const ids = {
    authors: [...clauses('from', false), ...(params.authors ?? [])],
    excludeAuthors: [...clauses('from', true), ...(params.excludeAuthors ?? [])],
    mentions: [...clauses('mentions', false), ...(params.mentions ?? [])],
    excludeMentions: [...clauses('mentions', true), ...(params.excludeMentions ?? [])],
    to: clauses('to', false),
    excludeTo: clauses('to', true),
  }
  const resolved = await resolveIdentities(ctx, viewer, ids)
  const followedDids = params.following ? (viewer ? await ctx.dataplane.getFollowedDids(viewer) : undefined) : undefined
  if (params.following && !viewer) throw badQuery('following requires a signed-in viewer')
  const filters: ResolvedFilters = {
    ...params,
    ...resolved,
    domains: [...clauses('domain', false), ...(params.domains ?? [])],
    excludeDomains: [...clauses('domain', true), ...(params.excludeDomains ?? [])],
    urls: [...clauses('url', false), ...(params.urls ?? [])],
    excludeUrls: [...clauses('url', true), ...(params.excludeUrls ?? [])],
    hashtags: [...clauses('tag', false), ...(params.hashtags ?? [])].map(normalizeTag),
    anyHashtags: params.anyHashtags?.map(normalizeTag),
    excludeHashtags: [...clauses('tag', true), ...(params.excludeHashtags ?? [])].map(normalizeTag),
    languages: [...clauses('lang', false), ...(params.languages ?? [])],
    excludeLanguages: [...clauses('lang', true), ...(params.excludeLanguages ?? [])],
    followedDids,
    // The query's own bounds win over the parameters, as the reference reads `from:` over `author`.
    since: parsed.since ?? params.since,
    until: parsed.until ?? params.until,
  }
  const languages = new Set<CjkLanguage>(parsed.text.flatMap((t) => queryLanguages(t.text)))
  if (params.queryLanguage === 'ja' || params.queryLanguage === 'ko' || params.queryLanguage === 'zh') languages.add(params.queryLanguage)
  return {
    search: { text: parsed.text, filters, languages: [...languages] },
    byAuthor: resolved.authors.length > 0,
  }
}

const normalizeTag = (tag: string) => tag.replace(/^[#＃]+/u, '').toLowerCase()

/**
 * Handles → DIDs, `me` → the viewer. An unknown handle in an include filter matches nothing
 * (no DID holds a value that is not a DID); in an exclude filter it excludes nothing.
 */
async function resolveIdentities<K extends string>(ctx: ApiContext, viewer: string | null, lists: Record<K, string[]>): Promise<Record<K, string[]>> {
  const all = [...new Set(Object.values<string[]>(lists).flat())]
  if (all.includes('me') && !viewer) throw badQuery('"me" needs a signed-in viewer')
  const others = all.filter((id) => id !== 'me')
  const dids = await ctx.hydrator.resolveActors(others)
  const byId = new Map(others.map((id, i) => [id, dids[i]]))
  byId.set('me', viewer ?? undefined)
  const out = {} as Record<K, string[]>
  for (const [name, ids] of Object.entries(lists) as [K, string[]][]) {
    const exclude = name.startsWith('exclude')
    out[name] = ids.flatMap((id) => byId.get(id) ?? (exclude ? [] : [`unresolved:${id}`]))
  }
  return out
}

/** Cursor of a search page: arity 3 for latest, 6 for top (dataplane/post-search.ts). */
function searchCursorKey(cursor: string | undefined, sort: 'latest' | 'top'): SortKey | undefined {
  return decodeCursor(cursor, sort === 'top' ? 6 : 3) as SortKey | undefined
}

/**
 * Search results the viewer must not see: posts by accounts with a block either way, and by
 * accounts the viewer mutes unless they searched for that author. The viewer's own posts always
 * stay. Taken-down posts and authors have no view and drop out when presented.
 */
export function visibleSearchHits(uris: string[], state: HydrationState, viewer: string | null, byAuthor: boolean): string[] {
  return uris.filter((uri) => {
    const author = didOfUri(uri)
    if (author === viewer) return true
    if (viewerBlockExists(author, state)) return false
    return byAuthor || !viewerMuteExists(author, state)
  })
}

/** The skeleton part every post search endpoint has: a page of hits. */
export interface SearchHits {
  uris: string[]
  byAuthor: boolean
  cursor?: string
}

/**
 * A page of hits for a built search, from the request's sort (any value but `top` is `latest`,
 * the lexicons' default) and cursor; the total too when asked, on a first page.
 */
export async function searchHitsPage(
  ctx: ApiContext,
  { search, byAuthor }: BuiltSearch,
  req: { sort: 'latest' | 'top'; after: SortKey | undefined; limit: number; withTotal: boolean },
): Promise<SearchHits & { hitsTotal?: number }> {
  if (req.limit === 0) return { uris: [], byAuthor }
  const page = await ctx.dataplane.searchPosts({ search, sort: req.sort, limit: req.limit, after: req.after, withTotal: req.withTotal && !req.after })
  return { uris: page.uris, byAuthor, cursor: cursorFromKey(page.next), hitsTotal: page.hitsTotal }
}

/** The sort a search request names and its decoded cursor (decoded first: a bad cursor is refused before any lookup). */
export function searchSortAndCursor(params: { sort?: string; cursor?: string }): { sort: 'latest' | 'top'; after: SortKey | undefined } {
  const sort = params.sort === 'top' ? 'top' : 'latest'
  return { sort, after: searchCursorKey(params.cursor, sort) }
}

/** The posts of a search answer: views of the hits the rules kept, in order. */
export function searchHitViews(skeleton: SearchHits, state: HydrationState) {
  return skeleton.uris.flatMap((uri) => postView(uri, state) ?? [])
}

/** The hydrate step of every post search endpoint: post views of the hits. */
export function hydrateSearchHits(input: { ctx: ApiContext; hydrateCtx: HydrateCtx; skeleton: SearchHits }): Promise<HydrationState> {
  return input.ctx.hydrator.posts.hydratePosts(input.skeleton.uris, input.hydrateCtx)
}

/** The rules step of every post search endpoint (visibleSearchHits). */
export function searchHitRules<S extends SearchHits>({ skeleton, state }: { skeleton: S; state: HydrationState }): S {
  return { ...skeleton, uris: visibleSearchHits(skeleton.uris, state, state.ctx.viewer, skeleton.byAuthor) }
}
