import { ids, type AppBskyUnspeccedGetTrendingTopics } from '@atproto/api'
import { z } from 'zod'
import { hydrationContext } from '#/api/hydration-context.js'
import { noRules, pipeline } from '#/api/pipeline.js'
import type { TrendingTopics } from '#/dataplane/index.js'
import { defineQuery } from '#/api/xrpc/method.js'
import { param } from '#/api/xrpc/params.js'
import { trendingTopicView } from '#/views/index.js'

const params = z.object({
  // The lexicon's way for a proxy to name the requester; the service token already does.
  viewer: param.did().optional(),
  limit: param.limit({ maximum: 25, default: 10 }),
})

type Params = z.output<typeof params>

/**
 * Hashtags and words trending now (significant in the recent window against the background
 * window) and, as suggested topics, the hashtags most used lately. The same for every viewer:
 * nothing to hide.
 */
const getTrendingTopics = pipeline<Params, TrendingTopics, AppBskyUnspeccedGetTrendingTopics.OutputSchema>({
  skeleton: ({ ctx }) => ctx.dataplane.getTrendingTopics(),
  hydrate: async ({ hydrateCtx }) => ({ ctx: hydrateCtx }),
  rules: noRules,
  present: ({ params, skeleton }) => ({
    topics: skeleton.trending.slice(0, params.limit).map(trendingTopicView),
    suggested: skeleton.popular.slice(0, params.limit).map(trendingTopicView),
  }),
})

export default defineQuery({
  nsid: ids.AppBskyUnspeccedGetTrendingTopics,
  params,
  auth: 'optional',
  handler: (req) => getTrendingTopics(req.params, req.ctx, hydrationContext(req)),
})
