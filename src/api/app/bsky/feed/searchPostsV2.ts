import { ids, type AppBskyFeedSearchPostsV2 } from '@atproto/api'
import { InvalidRequestError } from '@atproto/xrpc-server'
import { z } from 'zod'
import { definePagedQuery } from '#/api/paging.js'
import { pipeline } from '#/api/pipeline.js'
import { buildPostSearch, filterValues, hydrateSearchHits, parseUserQuery, searchHitRules, searchHitsPage, searchHitViews, searchSortAndCursor, timeParam, type SearchHits } from '#/api/post-search-request.js'
import { param } from '#/api/xrpc/params.js'

/** Without `allTime`, the search covers this recent window (and `since` can only narrow it). */
export const RECENT_WINDOW_MS = 30 * 24 * 3600 * 1000

const identities = () => filterValues(param.atIdentifier())
const tags = () => filterValues(param.string({ maxLength: 640 }))

const params = z.object({
  cursor: param.cursor().optional(),
  limit: param.limit({ maximum: 100, default: 25 }),
  query: param.string().optional(),
  sort: param.string().optional(),
  authors: identities(),
  mentions: identities(),
  domains: filterValues(param.string({ maxLength: 253 })),
  urls: filterValues(param.uri()),
  embeddedAtUris: filterValues(param.atUri()),
  hashtags: tags(),
  excludeAuthors: identities(),
  excludeMentions: identities(),
  excludeDomains: filterValues(param.string({ maxLength: 253 })),
  excludeUrls: filterValues(param.uri()),
  excludeEmbeddedAtUris: filterValues(param.atUri()),
  excludeHashtags: tags(),
  since: param.string().optional(),
  until: param.string().optional(),
  allTime: param.boolean().optional(),
  languages: filterValues(param.language()),
  excludeLanguages: filterValues(param.language()),
  hasMedia: param.boolean().optional(),
  hasVideo: param.boolean().optional(),
  replyParentUri: param.atUri().optional(),
  threadRootUri: param.atUri().optional(),
  excludeReplies: param.boolean().optional(),
  repliesOnly: param.boolean().optional(),
  following: param.boolean().optional(),
  queryLanguage: param.string().optional(),
})

type Params = z.output<typeof params>

interface Skeleton extends SearchHits {
  hitsTotal?: number
  detectedQueryLanguages?: string[]
}

const searchPostsV2 = pipeline<Params, Skeleton, AppBskyFeedSearchPostsV2.OutputSchema>({
  async skeleton({ params, ctx, hydrateCtx }) {
    if (params.excludeReplies && params.repliesOnly) throw new InvalidRequestError('excludeReplies and repliesOnly are mutually exclusive')
    const { sort, after } = searchSortAndCursor(params)
    const { query, sort: _sort, cursor: _cursor, limit: _limit, allTime, since, until, hashtags, ...filters } = params
    const asked = timeParam('since', since)
    const built = await buildPostSearch(ctx, hydrateCtx.viewer, parseUserQuery(query), {
      ...filters,
      // Any of the hashtags, as the lexicon words it (searchPosts' `tag` wants all of them).
      anyHashtags: hashtags,
      since: asked,
      until: timeParam('until', until),
    })
    const windowStart = allTime ? undefined : new Date(Date.now() - RECENT_WINDOW_MS).toISOString()
    // The window narrows the search after the emptiness check: it is no filter the caller chose.
    const { filters: resolved } = built.search
    if (windowStart && (!resolved.since || resolved.since < windowStart)) resolved.since = windowStart
    const hits = await searchHitsPage(ctx, built, { sort, after, limit: params.limit, withTotal: true })
    return { ...hits, detectedQueryLanguages: built.search.languages }
  },
  hydrate: hydrateSearchHits,
  rules: searchHitRules,
  present: ({ skeleton, state }) => ({
    posts: searchHitViews(skeleton, state),
    cursor: skeleton.cursor,
    hitsTotal: skeleton.hitsTotal,
    ...(skeleton.detectedQueryLanguages?.length ? { detectedQueryLanguages: skeleton.detectedQueryLanguages } : {}),
  }),
})

export default definePagedQuery({
  nsid: ids.AppBskyFeedSearchPostsV2,
  params,
  auth: 'optional',
  expensive: true,
  run: searchPostsV2,
  items: (out) => out.posts,
})
