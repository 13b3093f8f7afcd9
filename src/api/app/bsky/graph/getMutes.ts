import { ids } from '@atproto/api'
import { viewerActorsQuery } from '#/api/block-mute-listings.js'

/** The accounts the requester fully mutes (never anyone else's mutes), newest mute first. */
export default viewerActorsQuery({
  nsid: ids.AppBskyGraphGetMutes,
  key: 'mutes',
  arity: 2,
  page: (ctx, viewer, page) => ctx.dataplane.getMutedActorsPage(viewer, page),
})
