import { ids } from '@atproto/api'
import { rankedFeedGensQuery } from '#/api/ranked-list-pages.js'

/**
 * Feed generators for the viewer: those liked by the accounts it follows, most liked first,
 * then the popular ones; never its own or ones it already likes. Anonymous: the popular ones.
 */
export default rankedFeedGensQuery({
  nsid: ids.AppBskyFeedGetSuggestedFeeds,
  ranked: (ctx, _params, viewer) => ctx.dataplane.getSuggestedFeedGens(viewer),
})
