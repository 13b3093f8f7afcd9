import { ids } from '@atproto/api'
import { followListingQuery } from '#/api/follow-listings.js'

/** The accounts following an actor, newest follow first. */
export default followListingQuery({
  nsid: ids.AppBskyGraphGetFollowers,
  key: 'followers',
  page: (ctx, subject, page) => ctx.dataplane.getFollowersPage(subject, page),
  other: (follow) => follow.did,
})
