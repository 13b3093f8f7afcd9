import { ids } from '@atproto/api'
import { followListingQuery } from '#/api/follow-listings.js'

/** The accounts an actor follows, newest follow first. */
export default followListingQuery({
  nsid: ids.AppBskyGraphGetFollows,
  key: 'follows',
  page: (ctx, subject, page) => ctx.dataplane.getFollowsPage(subject, page),
  other: (follow) => follow.subject,
})
