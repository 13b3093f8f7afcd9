import { ids } from '@atproto/api'
import { starterPackSearchQuery } from '#/api/starterpack-search-query.js'
import { starterPackViewBasic } from '#/views/index.js'

/** Starter packs by name, newest first, as basic views. */
export default starterPackSearchQuery({
  nsid: ids.AppBskyGraphSearchStarterPacks,
  hydrate: (ctx, uris, hydrateCtx) => ctx.hydrator.hydrateStarterPacksBasic(uris, hydrateCtx),
  view: starterPackViewBasic,
})
