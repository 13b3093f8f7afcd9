import { ids, type AppBskyUnspeccedGetTrends } from '@atproto/api'
import { z } from 'zod'
import { hydrationContext } from '#/api/hydration-context.js'
import { pipeline } from '#/api/pipeline.js'
import type { Trend } from '#/dataplane/index.js'
import { recommendableActor } from '#/rules/actors.js'
import { defineQuery } from '#/api/xrpc/method.js'
import { param } from '#/api/xrpc/params.js'
import { profileViewBasic, trendView } from '#/views/index.js'

const params = z.object({
  limit: param.limit({ maximum: 25, default: 10 }),
})

type Params = z.output<typeof params>

/** Accounts shown with a trend (the app shows a few avatars). */
const ACTORS_PER_TREND = 5

/**
 * Trends: getTrendingTopics' trending topics, each with the posts the recent window has on it,
 * when the first was made, a link to its page or search, and the accounts that posted on it
 * most — of those the viewer may be shown and that did not ask to be left out of
 * recommendations. The reference AppView asks a closed topics service instead.
 */
const getTrends = pipeline<Params, { trends: Trend[] }, AppBskyUnspeccedGetTrends.OutputSchema>({
  skeleton: async ({ params, ctx }) => ({ trends: (await ctx.dataplane.getTrends()).slice(0, params.limit) }),
  hydrate: ({ ctx, hydrateCtx, skeleton }) => ctx.hydrator.hydrateProfiles([...new Set(skeleton.trends.flatMap((t) => t.dids))], hydrateCtx),
  rules: ({ skeleton, state }) => ({
    trends: skeleton.trends.map((t) => ({ ...t, dids: t.dids.filter((did) => recommendableActor(did, state)).slice(0, ACTORS_PER_TREND) })),
  }),
  present: ({ skeleton, state }) => ({
    trends: skeleton.trends.map((t) => trendView(t, t.dids.flatMap((did) => profileViewBasic(did, state) ?? []))),
  }),
})

export default defineQuery({
  nsid: ids.AppBskyUnspeccedGetTrends,
  params,
  auth: 'optional',
  handler: (req) => getTrends(req.params, req.ctx, hydrationContext(req)),
})
