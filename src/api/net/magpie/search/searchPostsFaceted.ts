import { z } from 'zod'
import { definePagedQuery } from '#/api/paging.js'
import { pipeline } from '#/api/pipeline.js'
import { buildPostSearch, parseUserQuery, searchCursor, searchCursorKey, searchHitRules, hydrateSearchHits, timeParam, type SearchHits } from '#/api/post-search.js'
import type { PostFacets } from '#/dataplane/index.js'
import { param } from '#/server/xrpc/params.js'
import { postView } from '#/views/posts.js'

/** Magpie's own faceted search (lexicons/net/magpie/search/searchPostsFaceted.json). */
export const NSID = 'net.magpie.search.searchPostsFaceted'

const params = z.object({
  q: param.string({ maxLength: 1000 }).optional(),
  sort: param.string().optional(),
  authors: param.array(param.atIdentifier()).optional(),
  languages: param.array(param.language()).optional(),
  hashtags: param.array(param.string({ maxLength: 640 })).optional(),
  domains: param.array(param.string()).optional(),
  excludeAuthors: param.array(param.atIdentifier()).optional(),
  excludeLanguages: param.array(param.language()).optional(),
  excludeHashtags: param.array(param.string({ maxLength: 640 })).optional(),
  excludeDomains: param.array(param.string()).optional(),
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
    const sort = params.sort === 'top' ? 'top' : 'latest'
    const after = searchCursorKey(params.cursor, sort)
    const { search, byAuthor } = await buildPostSearch(ctx, hydrateCtx.viewer, parseUserQuery(params.q), {
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
    const [page, facets] = await Promise.all([
      params.limit > 0 ? ctx.dataplane.searchPosts({ search, sort, limit: params.limit, after }) : { uris: [], next: undefined },
      ctx.dataplane.getPostFacets(search, params.facetLimit),
    ])
    return { uris: page.uris, byAuthor, cursor: searchCursor(page.next), facets }
  },
  hydrate: hydrateSearchHits,
  rules: searchHitRules,
  // Facet counts are over every match, before the viewer's blocks and mutes (counts, not content).
  present: ({ skeleton, state }) => {
    const { facets } = skeleton
    return {
      cursor: skeleton.cursor,
      hitsTotal: facets.total,
      posts: skeleton.uris.flatMap((uri) => postView(uri, state) ?? []),
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
  run: searchPostsFaceted,
  items: (out) => out.posts,
})
