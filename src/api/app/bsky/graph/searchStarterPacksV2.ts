import { ids } from '@atproto/api'
import { starterPackSearchQuery } from '#/api/starterpack-search-query.js'
import { starterPackView } from '#/views/index.js'

/** Starter packs by name, newest first, as full views (feeds, list, a sample of members), with how many match. */
export default starterPackSearchQuery({
  nsid: ids.AppBskyGraphSearchStarterPacksV2,
  hydrate: (ctx, uris, hydrateCtx) => ctx.hydrator.hydrateStarterPacks(uris, hydrateCtx),
  view: starterPackView,
  withHitsTotal: true,
})
