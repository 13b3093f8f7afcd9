import { ids, type AppBskyFeedSearchPosts } from '@atproto/api'
import { z } from 'zod'
import { definePagedQuery } from '#/api/paging.js'
import { pipeline } from '#/api/pipeline.js'
import { buildPostSearch, parseUserQuery, searchCursor, searchCursorKey, searchHitRules, hydrateSearchHits, timeParam, type SearchHits } from '#/api/post-search.js'
import { param } from '#/server/xrpc/params.js'
import { postView } from '#/views/posts.js'

const params = z.object({
  q: param.string(),
  // Any other value is `latest`, the lexicon's default.
  sort: param.string().optional(),
  since: param.string().optional(),
  until: param.string().optional(),
  mentions: param.atIdentifier().optional(),
  author: param.atIdentifier().optional(),
  lang: param.language().optional(),
  domain: param.string().optional(),
  url: param.uri().optional(),
  tag: param.array(param.string({ maxLength: 640 })).optional(),
  limit: param.limit({ maximum: 100, default: 25 }),
  cursor: param.cursor().optional(),
})

type Params = z.output<typeof params>

interface Skeleton extends SearchHits {
  hitsTotal?: number
}

const searchPosts = pipeline<Params, Skeleton, AppBskyFeedSearchPosts.OutputSchema>({
  async skeleton({ params, ctx, hydrateCtx }) {
    const sort = params.sort === 'top' ? 'top' : 'latest'
    const after = searchCursorKey(params.cursor, sort)
    const { search, byAuthor } = await buildPostSearch(ctx, hydrateCtx.viewer, parseUserQuery(params.q), {
      authors: params.author ? [params.author] : undefined,
      mentions: params.mentions ? [params.mentions] : undefined,
      languages: params.lang ? [params.lang] : undefined,
      domains: params.domain ? [params.domain] : undefined,
      urls: params.url ? [params.url] : undefined,
      hashtags: params.tag,
      since: timeParam('since', params.since),
      until: timeParam('until', params.until),
    })
    const page = await ctx.dataplane.searchPosts({ search, sort, limit: params.limit, after, withTotal: !after })
    return { uris: page.uris, byAuthor, cursor: searchCursor(page.next), hitsTotal: page.hitsTotal }
  },
  hydrate: hydrateSearchHits,
  rules: searchHitRules,
  present: ({ skeleton, state }) => ({
    posts: skeleton.uris.flatMap((uri) => postView(uri, state) ?? []),
    cursor: skeleton.cursor,
    hitsTotal: skeleton.hitsTotal,
  }),
})

export default definePagedQuery({
  nsid: ids.AppBskyFeedSearchPosts,
  params,
  auth: 'optional',
  run: searchPosts,
  items: (out) => out.posts,
})
