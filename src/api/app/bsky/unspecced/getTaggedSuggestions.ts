import { ids, type AppBskyUnspeccedGetTaggedSuggestions } from '@atproto/api'
import { z } from 'zod'
import { suggestedFeeds } from '#/api/app/bsky/unspecced/getSuggestedFeeds.js'
import { hydrationContext } from '#/api/hydration-context.js'
import { pipeline } from '#/api/pipeline.js'
import type { Trend } from '#/dataplane/index.js'
import { suggestableActor } from '#/rules/actors.js'
import { defineQuery } from '#/api/xrpc/method.js'

const params = z.object({})

/** Trends whose accounts are suggested, accounts per trend, and feeds suggested. */
const TAGS = 10
const ACTORS_PER_TAG = 3
const FEEDS = 10
/** The tag of the suggested feeds, which belong to no topic. */
const FEEDS_TAG = 'popular'

type Suggestion = AppBskyUnspeccedGetTaggedSuggestions.Suggestion

/**
 * Suggestions tagged with what they are about (the reference AppView serves a hand-curated
 * list): the accounts posting most on each trending topic, tagged with the topic, under
 * getSuggestions' rules; and the suggested feeds, tagged "popular".
 */
const taggedActors = pipeline<Record<string, never>, { trends: Trend[] }, Suggestion[]>({
  skeleton: async ({ ctx }) => ({ trends: (await ctx.dataplane.getTrends()).slice(0, TAGS) }),
  hydrate: ({ ctx, hydrateCtx, skeleton }) => ctx.hydrator.hydrateProfiles([...new Set(skeleton.trends.flatMap((t) => t.dids))], hydrateCtx),
  rules: ({ skeleton, state }) => ({
    trends: skeleton.trends.map((t) => ({ ...t, dids: t.dids.filter((did) => suggestableActor(did, state)).slice(0, ACTORS_PER_TAG) })),
  }),
  present: ({ skeleton }) =>
    skeleton.trends.flatMap((t) => t.dids.map((did) => ({ tag: t.topic.topic, subjectType: 'actor', subject: did }))),
})

export default defineQuery({
  nsid: ids.AppBskyUnspeccedGetTaggedSuggestions,
  params,
  auth: 'optional',
  expensive: true,
  async handler(req): Promise<AppBskyUnspeccedGetTaggedSuggestions.OutputSchema> {
    const { params, ctx } = req
    const hydrateCtx = hydrationContext(req)
    const [actors, feeds] = await Promise.all([
      taggedActors(params, ctx, hydrateCtx),
      suggestedFeeds(FEEDS, ctx, hydrateCtx),
    ])
    return { suggestions: [...actors, ...feeds.map((f): Suggestion => ({ tag: FEEDS_TAG, subjectType: 'feed', subject: f.uri }))] }
  },
})
