import { ids } from '@atproto/api'
import { viewerActorsQuery } from '#/api/block-mute-listings.js'

/** The accounts the requester blocks, newest block first. */
export default viewerActorsQuery({
  nsid: ids.AppBskyGraphGetBlocks,
  key: 'blocks',
  arity: 3,
  async page(ctx, viewer, page) {
    const blocks = await ctx.dataplane.getBlocksPage(viewer, page)
    return { items: blocks.items.flatMap((b) => b.subject ?? []), next: blocks.next }
  },
})
