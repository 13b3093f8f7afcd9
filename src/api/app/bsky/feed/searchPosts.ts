import { ids, type AppBskyFeedSearchPosts } from '@atproto/api'
import { z } from 'zod'
import { definePagedQuery } from '#/api/paging.js'
import { pipeline } from '#/api/pipeline.js'
import { buildPostSearch, filterValues, hydrateSearchHits, parseUserQuery, searchHitRules, searchHitsPage, searchHitViews, searchSortAndCursor, timeParam, type SearchHits } from '#/api/post-search-request.js'
import { param } from '#/api/xrpc/params.js'

const params = z.object({
  q: param.string(),
  // Any other value is `latest`, the lexicon's default.
  sort: param.string().optional(),
  since: param.string().optional(),
  until: param.string().optional(),
  mentions: param.atIdentifier().optional(),
  author: param.atIdentifier().optional(),
  lang: param.language().optional(),
  domain: param.string({ maxLength: 253 }).optional(),
  url: param.uri().optional(),
  tag: filterValues(param.string({ maxLength: 640 })),
  limit: param.limit({ maximum: 100, default: 25 }),
  cursor: param.cursor().optional(),
})

type Params = z.output<typeof params>

interface Skeleton extends SearchHits {
  hitsTotal?: number
}

const searchPosts = pipeline<Params, Skeleton, AppBskyFeedSearchPosts.OutputSchema>({
  async skeleton({ params, ctx, hydrateCtx }) {
    const { sort, after } = searchSortAndCursor(params)
    const built = await buildPostSearch(ctx, hydrateCtx.viewer, parseUserQuery(params.q), {
      authors: params.author ? [params.author] : undefined,
      mentions: params.mentions ? [params.mentions] : undefined,
      languages: params.lang ? [params.lang] : undefined,
      domains: params.domain ? [params.domain] : undefined,
      urls: params.url ? [params.url] : undefined,
      hashtags: params.tag,
      since: timeParam('since', params.since),
      until: timeParam('until', params.until),
    })
    return searchHitsPage(ctx, built, { sort, after, limit: params.limit, withTotal: true })
  },
  hydrate: hydrateSearchHits,
  rules: searchHitRules,
  present: ({ skeleton, state }) => ({
    posts: searchHitViews(skeleton, state),
    cursor: skeleton.cursor,
    hitsTotal: skeleton.hitsTotal,
  }),
})

export default definePagedQuery({
  nsid: ids.AppBskyFeedSearchPosts,
  params,
  auth: 'optional',
  expensive: true,
  run: searchPosts,
  items: (out) => out.posts,
})
