import getProfile from '#/api/app/bsky/actor/getProfile.js'
import createBookmark from '#/api/app/bsky/bookmark/createBookmark.js'
import deleteBookmark from '#/api/app/bsky/bookmark/deleteBookmark.js'
import getBookmarks from '#/api/app/bsky/bookmark/getBookmarks.js'
import getProfiles from '#/api/app/bsky/actor/getProfiles.js'
import getActorStarterPacks from '#/api/app/bsky/graph/getActorStarterPacks.js'
import getBlocks from '#/api/app/bsky/graph/getBlocks.js'
import getFollowers from '#/api/app/bsky/graph/getFollowers.js'
import getFollows from '#/api/app/bsky/graph/getFollows.js'
import getKnownFollowers from '#/api/app/bsky/graph/getKnownFollowers.js'
import getList from '#/api/app/bsky/graph/getList.js'
import getListBlocks from '#/api/app/bsky/graph/getListBlocks.js'
import getListMutes from '#/api/app/bsky/graph/getListMutes.js'
import getLists from '#/api/app/bsky/graph/getLists.js'
import getMutes from '#/api/app/bsky/graph/getMutes.js'
import getRelationships from '#/api/app/bsky/graph/getRelationships.js'
import getStarterPack from '#/api/app/bsky/graph/getStarterPack.js'
import getStarterPacks from '#/api/app/bsky/graph/getStarterPacks.js'
import muteActor from '#/api/app/bsky/graph/muteActor.js'
import muteActorList from '#/api/app/bsky/graph/muteActorList.js'
import muteThread from '#/api/app/bsky/graph/muteThread.js'
import unmuteActor from '#/api/app/bsky/graph/unmuteActor.js'
import unmuteActorList from '#/api/app/bsky/graph/unmuteActorList.js'
import unmuteThread from '#/api/app/bsky/graph/unmuteThread.js'
import getActorFeeds from '#/api/app/bsky/feed/getActorFeeds.js'
import getFeedGenerator from '#/api/app/bsky/feed/getFeedGenerator.js'
import getFeedGenerators from '#/api/app/bsky/feed/getFeedGenerators.js'
import getActorLikes from '#/api/app/bsky/feed/getActorLikes.js'
import getAuthorFeed from '#/api/app/bsky/feed/getAuthorFeed.js'
import getLikes from '#/api/app/bsky/feed/getLikes.js'
import getListFeed from '#/api/app/bsky/feed/getListFeed.js'
import getPostThread from '#/api/app/bsky/feed/getPostThread.js'
import getPosts from '#/api/app/bsky/feed/getPosts.js'
import getQuotes from '#/api/app/bsky/feed/getQuotes.js'
import getRepostedBy from '#/api/app/bsky/feed/getRepostedBy.js'
import getTimeline from '#/api/app/bsky/feed/getTimeline.js'
import getServices from '#/api/app/bsky/labeler/getServices.js'
import getPreferences from '#/api/app/bsky/notification/getPreferences.js'
import getUnreadCount from '#/api/app/bsky/notification/getUnreadCount.js'
import listNotifications from '#/api/app/bsky/notification/listNotifications.js'
import putPreferences from '#/api/app/bsky/notification/putPreferences.js'
import putPreferencesV2 from '#/api/app/bsky/notification/putPreferencesV2.js'
import updateSeen from '#/api/app/bsky/notification/updateSeen.js'
import getPostThreadOtherV2 from '#/api/app/bsky/unspecced/getPostThreadOtherV2.js'
import getPostThreadV2 from '#/api/app/bsky/unspecced/getPostThreadV2.js'
import searchPosts from '#/api/app/bsky/feed/searchPosts.js'
import searchPostsV2 from '#/api/app/bsky/feed/searchPostsV2.js'
import searchPostsFaceted from '#/api/net/magpie/search/searchPostsFaceted.js'
import searchRecords from '#/api/net/magpie/search/searchRecords.js'
import getBacklinks from '#/api/net/magpie/links/getBacklinks.js'
import getBacklinkCounts from '#/api/net/magpie/links/getBacklinkCounts.js'
import getLinkingAccounts from '#/api/net/magpie/links/getLinkingAccounts.js'
import getWorld from '#/api/net/magpie/admin/getWorld.js'
import updateWorld from '#/api/net/magpie/admin/updateWorld.js'
import searchActors from '#/api/app/bsky/actor/searchActors.js'
import searchActorsTypeahead from '#/api/app/bsky/actor/searchActorsTypeahead.js'
import describeFeedGenerator from '#/api/app/bsky/feed/describeFeedGenerator.js'
import getFeed from '#/api/app/bsky/feed/getFeed.js'
import getFeedSkeleton from '#/api/app/bsky/feed/getFeedSkeleton.js'
import getSuggestions from '#/api/app/bsky/actor/getSuggestions.js'
import getSuggestedFeeds from '#/api/app/bsky/feed/getSuggestedFeeds.js'
import getSuggestedFollowsByActor from '#/api/app/bsky/graph/getSuggestedFollowsByActor.js'
import getPopularFeedGenerators from '#/api/app/bsky/unspecced/getPopularFeedGenerators.js'
import getTrendingTopics from '#/api/app/bsky/unspecced/getTrendingTopics.js'
import getRecord from '#/api/com/atproto/repo/getRecord.js'
import getListsWithMembership from '#/api/app/bsky/graph/getListsWithMembership.js'
import getStarterPacksWithMembership from '#/api/app/bsky/graph/getStarterPacksWithMembership.js'
import searchStarterPacks from '#/api/app/bsky/graph/searchStarterPacks.js'
import searchStarterPacksV2 from '#/api/app/bsky/graph/searchStarterPacksV2.js'
import listActivitySubscriptions from '#/api/app/bsky/notification/listActivitySubscriptions.js'
import putActivitySubscription from '#/api/app/bsky/notification/putActivitySubscription.js'
import registerPush from '#/api/app/bsky/notification/registerPush.js'
import unregisterPush from '#/api/app/bsky/notification/unregisterPush.js'
import createDraft from '#/api/app/bsky/draft/createDraft.js'
import deleteDraft from '#/api/app/bsky/draft/deleteDraft.js'
import getDrafts from '#/api/app/bsky/draft/getDrafts.js'
import updateDraft from '#/api/app/bsky/draft/updateDraft.js'
import getAgeAssuranceConfig from '#/api/app/bsky/ageassurance/getConfig.js'
import getAgeAssuranceStateV2 from '#/api/app/bsky/ageassurance/getState.js'
import beginAgeAssurance from '#/api/app/bsky/ageassurance/begin.js'
import getAgeAssuranceState from '#/api/app/bsky/unspecced/getAgeAssuranceState.js'
import initAgeAssurance from '#/api/app/bsky/unspecced/initAgeAssurance.js'
import contactDismissMatch from '#/api/app/bsky/contact/dismissMatch.js'
import contactGetMatches from '#/api/app/bsky/contact/getMatches.js'
import contactGetSyncStatus from '#/api/app/bsky/contact/getSyncStatus.js'
import contactImportContacts from '#/api/app/bsky/contact/importContacts.js'
import contactRemoveData from '#/api/app/bsky/contact/removeData.js'
import contactSendNotification from '#/api/app/bsky/contact/sendNotification.js'
import contactStartPhoneVerification from '#/api/app/bsky/contact/startPhoneVerification.js'
import contactVerifyPhone from '#/api/app/bsky/contact/verifyPhone.js'
import getConfig from '#/api/app/bsky/unspecced/getConfig.js'
import getSuggestedUsers from '#/api/app/bsky/unspecced/getSuggestedUsers.js'
import getSuggestedUsersForDiscover from '#/api/app/bsky/unspecced/getSuggestedUsersForDiscover.js'
import getSuggestedUsersForExplore from '#/api/app/bsky/unspecced/getSuggestedUsersForExplore.js'
import getSuggestedUsersForSeeMore from '#/api/app/bsky/unspecced/getSuggestedUsersForSeeMore.js'
import getSuggestedOnboardingUsers from '#/api/app/bsky/unspecced/getSuggestedOnboardingUsers.js'
import getSuggestedStarterPacks from '#/api/app/bsky/unspecced/getSuggestedStarterPacks.js'
import getOnboardingSuggestedStarterPacks from '#/api/app/bsky/unspecced/getOnboardingSuggestedStarterPacks.js'
import getTrends from '#/api/app/bsky/unspecced/getTrends.js'
import getTaggedSuggestions from '#/api/app/bsky/unspecced/getTaggedSuggestions.js'
import getUnspeccedSuggestedFeeds from '#/api/app/bsky/unspecced/getSuggestedFeeds.js'
import getEmbedExternalView from '#/api/app/bsky/embed/getEmbedExternalView.js'
import type { XrpcMethod } from '#/api/xrpc/method.js'

/**
 * Every XRPC method Magpie answers. A new method is one file under src/api/ at its NSID's path
 * (default-exporting `defineQuery(…)` or `defineProcedure(…)`) and one line here.
 */
export const methods: readonly XrpcMethod[] = [
  getProfile,
  getProfiles,
  getActorStarterPacks,
  getBlocks,
  getFollowers,
  getFollows,
  getKnownFollowers,
  getList,
  getListBlocks,
  getListMutes,
  getLists,
  getMutes,
  getRelationships,
  getStarterPack,
  getStarterPacks,
  muteActor,
  muteActorList,
  muteThread,
  unmuteActor,
  unmuteActorList,
  unmuteThread,
  getActorFeeds,
  getFeedGenerator,
  getFeedGenerators,
  getActorLikes,
  getAuthorFeed,
  getLikes,
  getListFeed,
  getPostThread,
  getPosts,
  getQuotes,
  getRepostedBy,
  getTimeline,
  getServices,
  getPreferences,
  getUnreadCount,
  listNotifications,
  putPreferences,
  putPreferencesV2,
  updateSeen,
  getPostThreadOtherV2,
  getPostThreadV2,
  createBookmark,
  deleteBookmark,
  getBookmarks,
  searchPosts,
  searchPostsV2,
  searchPostsFaceted,
  searchRecords,
  getBacklinks,
  getBacklinkCounts,
  getLinkingAccounts,
  getWorld,
  updateWorld,
  searchActors,
  searchActorsTypeahead,
  describeFeedGenerator,
  getFeed,
  getFeedSkeleton,
  getSuggestions,
  getSuggestedFeeds,
  getSuggestedFollowsByActor,
  getPopularFeedGenerators,
  getTrendingTopics,
  getRecord,
  getListsWithMembership,
  getStarterPacksWithMembership,
  searchStarterPacks,
  searchStarterPacksV2,
  listActivitySubscriptions,
  putActivitySubscription,
  registerPush,
  unregisterPush,
  createDraft,
  deleteDraft,
  getDrafts,
  updateDraft,
  getAgeAssuranceConfig,
  getAgeAssuranceStateV2,
  beginAgeAssurance,
  getAgeAssuranceState,
  initAgeAssurance,
  contactDismissMatch,
  contactGetMatches,
  contactGetSyncStatus,
  contactImportContacts,
  contactRemoveData,
  contactSendNotification,
  contactStartPhoneVerification,
  contactVerifyPhone,
  getConfig,
  getSuggestedUsers,
  getSuggestedUsersForDiscover,
  getSuggestedUsersForExplore,
  getSuggestedUsersForSeeMore,
  getSuggestedOnboardingUsers,
  getSuggestedStarterPacks,
  getOnboardingSuggestedStarterPacks,
  getTrends,
  getTaggedSuggestions,
  getUnspeccedSuggestedFeeds,
  getEmbedExternalView,
]
