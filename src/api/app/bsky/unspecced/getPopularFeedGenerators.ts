import { ids } from '@atproto/api'
import { rankedFeedGensQuery } from '#/api/ranked-list-pages.js'

/**
 * Feed generators by likes, the most liked first (then the newest unliked ones); with `query`,
 * of those whose name or description match its words.
 */
export default rankedFeedGensQuery({
  nsid: ids.AppBskyUnspeccedGetPopularFeedGenerators,
  ranked: (ctx, params) => ctx.dataplane.getPopularFeedGens(params.query),
  // With a query it is a full-text search, cached per query only.
  expensive: true,
})
