import { ids } from '@atproto/api'
import { viewerListsQuery } from '#/api/block-mute-listings.js'

/** The lists the requester mutes (only their own mutes). */
export default viewerListsQuery({ nsid: ids.AppBskyGraphGetListMutes, lists: (ctx, viewer) => ctx.dataplane.getMutedListUris(viewer) })
