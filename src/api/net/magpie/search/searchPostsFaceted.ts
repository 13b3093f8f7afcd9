import { z } from 'zod'
import { definePagedQuery } from '#/api/paging.js'
import { pipeline } from '#/api/pipeline.js'
import { buildPostSearch, filterValues, hydrateSearchHits, parseUserQuery, searchHitRules, searchHitsPage, searchHitViews, searchSortAndCursor, timeParam, type SearchHits } from '#/api/post-search-request.js'
import type { PostFacets } from '#/dataplane/index.js'
import { param } from '#/api/xrpc/params.js'

/** Magpie's own faceted search (lexicons/net/magpie/search/searchPostsFaceted.json). */
export const NSID = 'net.magpie.search.searchPostsFaceted'

const params = z.object({
  q: param.string({ maxLength: 1000 }).optional(),
  sort: param.string().optional(),
  authors: filterValues(param.atIdentifier()),
  languages: filterValues(param.language()),
  hashtags: filterValues(param.string({ maxLength: 640 })),
  domains: filterValues(param.string({ maxLength: 253 })),
  excludeAuthors: filterValues(param.atIdentifier()),
  excludeLanguages: filterValues(param.language()),
  excludeHashtags: filterValues(param.string({ maxLength: 640 })),
  excludeDomains: filterValues(param.string({ maxLength: 253 })),
  hasMedia: param.boolean().optional(),
  since: param.string().optional(),
  until: param.string().optional(),
  facetLimit: param.limit({ maximum: 50, default: 10 }),
  limit: param.limit({ minimum: 0, maximum: 100, default: 25 }),
  cursor: param.cursor().optional(),
})

type Params = z.output<typeof params>

interface Output {
  cursor?: string
  hitsTotal: number
  posts: unknown[]
  facets: Record<'languages' | 'hashtags' | 'authors' | 'domains' | 'hasMedia', { value: string; count: number }[]>
  histogram: PostFacets['histogram']
}

interface Skeleton extends SearchHits {
  facets: PostFacets
}

const searchPostsFaceted = pipeline<Params, Skeleton, Output>({
  async skeleton({ params, ctx, hydrateCtx }) {
    const { sort, after } = searchSortAndCursor(params)
    const built = await buildPostSearch(ctx, hydrateCtx.viewer, parseUserQuery(params.q), {
      authors: params.authors,
      languages: params.languages,
      hashtags: params.hashtags,
      domains: params.domains,
      excludeAuthors: params.excludeAuthors,
      excludeLanguages: params.excludeLanguages,
      excludeHashtags: params.excludeHashtags,
      excludeDomains: params.excludeDomains,
      hasMedia: params.hasMedia,
      since: timeParam('since', params.since),
      until: timeParam('until', params.until),
    })
    // The total comes with the facets.
    const [hits, facets] = await Promise.all([
      searchHitsPage(ctx, built, { sort, after, limit: params.limit, withTotal: false }),
      ctx.dataplane.getPostFacets(built.search, params.facetLimit),
    ])
    return { uris: hits.uris, byAuthor: hits.byAuthor, cursor: hits.cursor, facets }
  },
  hydrate: hydrateSearchHits,
  rules: searchHitRules,
  // Facet counts are over every match, before the viewer's blocks and mutes (counts, not content).
  present: ({ skeleton, state }) => {
    const { facets } = skeleton
    return {
      cursor: skeleton.cursor,
      hitsTotal: facets.total,
      posts: searchHitViews(skeleton, state),
      facets: {
        languages: facets.languages,
        hashtags: facets.hashtags,
        authors: facets.authors,
        domains: facets.domains,
        hasMedia: [
          { value: 'true', count: facets.hasMedia.withMedia },
          { value: 'false', count: facets.hasMedia.withoutMedia },
        ],
      },
      histogram: facets.histogram,
    }
  },
})

export default definePagedQuery({
  nsid: NSID,
  params,
  auth: 'optional',
  expensive: true,
  run: searchPostsFaceted,
  items: (out) => out.posts,
})
