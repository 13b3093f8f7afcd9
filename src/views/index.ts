/**
 * The views: lexicon views built from the hydration state, pure functions of it. This is their
 * one entry for the rest of Magpie (test/unit/dependency-rule.test.ts checks); inside views/ the
 * modules import one another without a cycle, the smaller views first (list-basic.ts, profiles.ts,
 * then what names a profile, then profile-detailed.ts, which names a starter pack).
 */

export { imageUrlBuilder } from '#/views/images.js'
export { videoUrlBuilder } from '#/views/videos.js'

export { profileView, profileViewBasic, profileViewKnownFollowers } from '#/views/profiles.js'
export { profileViewDetailed } from '#/views/profile-detailed.js'
export { statusView, MAX_DURATION_MS } from '#/views/actor-status.js'

export { listItemView, listView } from '#/views/lists.js'
export { starterPackList, starterPackView, starterPackViewBasic } from '#/views/starterpacks.js'
export { generatorView } from '#/views/feedgens.js'
export { labelerView, labelerViewDetailed } from '#/views/labelers.js'

export { feedViewPost, maybePost, postView, threadgateOfThread, type FeedItem } from '#/views/posts.js'
export { threadView } from '#/views/threads.js'
export { threadOtherV2, threadV2 } from '#/views/threads-v2.js'
export { backs, DOCUMENT, PUBLICATION, standardSiteView, type StandardSite } from '#/views/standard-site.js'

export { notificationTime, notificationView } from '#/views/notifications.js'
export { trendingTopicView, trendView } from '#/views/topics.js'
