import { ids } from '@atproto/api'
import { actorRecordsQuery } from '#/api/actor-records.js'
import { generatorView } from '#/views/index.js'

/** An account's feed generators, newest first. */
export default actorRecordsQuery({
  nsid: ids.AppBskyFeedGetActorFeeds,
  key: 'feeds',
  page: (ctx, did, page) => ctx.dataplane.getFeedGensPage(did, page),
  hydrate: (ctx, uris, hydrateCtx) => ctx.hydrator.hydrateFeedGens(uris, hydrateCtx),
  view: generatorView,
})
