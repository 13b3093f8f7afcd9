import { ids } from '@atproto/api'
import { viewerListsQuery } from '#/api/block-mute-listings.js'

/** The lists the requester subscribes to as block lists. */
export default viewerListsQuery({ nsid: ids.AppBskyGraphGetListBlocks, lists: (ctx, viewer) => ctx.dataplane.getListblockSubjects(viewer) })
