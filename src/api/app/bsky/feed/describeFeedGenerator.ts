import { ids, type AppBskyFeedDescribeFeedGenerator } from '@atproto/api'
import { z } from 'zod'
import { defineQuery } from '#/api/xrpc/method.js'

/** The feeds Magpie generates: the published generator records naming its DID whose algorithm it knows. */
export default defineQuery({
  nsid: ids.AppBskyFeedDescribeFeedGenerator,
  params: z.object({}),
  auth: 'none',
  async handler({ ctx }): Promise<AppBskyFeedDescribeFeedGenerator.OutputSchema> {
    const uris = await ctx.feeds.builtin.published()
    return { did: ctx.serviceDid, feeds: uris.map((uri) => ({ uri })) }
  },
})
