import { ids } from '@atproto/api'
import { actorRecordsQuery } from '#/api/actor-records.js'
import { starterPackViewBasic } from '#/views/index.js'

/** An account's starter packs, newest first. */
export default actorRecordsQuery({
  nsid: ids.AppBskyGraphGetActorStarterPacks,
  key: 'starterPacks',
  page: (ctx, did, page) => ctx.dataplane.getStarterPacksPage(did, page),
  hydrate: (ctx, uris, hydrateCtx) => ctx.hydrator.hydrateStarterPacksBasic(uris, hydrateCtx),
  view: starterPackViewBasic,
})
