/**
 * The lexicon methods a client could send an AppView that Magpie deliberately does not answer
 * (they get 501 MethodNotImplemented, with the reason), each with why. Together with `methods`
 * (src/api/index.ts) this covers every app.bsky query and procedure in the lexicons:
 * test/unit/method-coverage.test.ts fails when a lexicon release adds one that is in neither,
 * naming it, so each new method is a decision, not an accident.
 *
 * com.atproto methods are listed when the reference AppView answers them and Magpie does not;
 * the rest of com.atproto, chat.bsky and tools.ozone belong to other services.
 */

/** Asked of a search or suggestion backend by an AppView; Magpie computes those answers from its own indices. */
const SKELETON = 'called by an AppView on its suggestion and search backend, not served to clients; Magpie computes these from its own indices'
const VIDEO = 'belongs to the video service (video.bsky.app), which takes uploads and transcodes them'
const PDS_PREFERENCES = "answered by the account's PDS, which keeps the account's preferences"

export const unsupported: Readonly<Record<string, string>> = {
  'app.bsky.actor.getPreferences': PDS_PREFERENCES,
  'app.bsky.actor.putPreferences': PDS_PREFERENCES,
  'app.bsky.feed.sendInteractions':
    "sent to a feed's generator when it declares acceptsInteractions; Magpie's built-in feeds do not, so they take no feedback",

  'app.bsky.unspecced.getOnboardingSuggestedStarterPacksSkeleton': SKELETON,
  'app.bsky.unspecced.getOnboardingSuggestedUsersSkeleton': SKELETON,
  'app.bsky.unspecced.getSuggestedFeedsSkeleton': SKELETON,
  'app.bsky.unspecced.getSuggestedStarterPacksSkeleton': SKELETON,
  'app.bsky.unspecced.getSuggestedUsersForDiscoverSkeleton': SKELETON,
  'app.bsky.unspecced.getSuggestedUsersForExploreSkeleton': SKELETON,
  'app.bsky.unspecced.getSuggestedUsersForSeeMoreSkeleton': SKELETON,
  'app.bsky.unspecced.getSuggestedUsersSkeleton': SKELETON,
  'app.bsky.unspecced.getSuggestionsSkeleton': SKELETON,
  'app.bsky.unspecced.getTrendsSkeleton': SKELETON,
  'app.bsky.unspecced.searchActorsSkeleton': SKELETON,
  'app.bsky.unspecced.searchPostsSkeleton': SKELETON,
  'app.bsky.unspecced.searchStarterPacksSkeleton': SKELETON,

  'app.bsky.video.abortUpload': VIDEO,
  'app.bsky.video.finishUpload': VIDEO,
  'app.bsky.video.getJobStatus': VIDEO,
  'app.bsky.video.getUploadLimits': VIDEO,
  'app.bsky.video.getUploadStatus': VIDEO,
  'app.bsky.video.startUpload': VIDEO,
  'app.bsky.video.uploadPart': VIDEO,
  'app.bsky.video.uploadVideo': VIDEO,

  'com.atproto.identity.resolveHandle': "answered by the client's PDS, which resolves handles itself",
  'com.atproto.label.queryLabels': 'labels are published by the labelers that make them; Magpie applies them to its views but does not republish them',
  'com.atproto.temp.fetchLabels': 'a deprecated label stream; labels are read from their labelers',
  'com.atproto.admin.getAccountInfos': "an administrator's method of the reference's moderation setup; Magpie takes moderation from labelers",
  'com.atproto.admin.getSubjectStatus': "an administrator's method of the reference's moderation setup; Magpie takes moderation from labelers",
  'com.atproto.admin.updateSubjectStatus': "an administrator's method of the reference's moderation setup; Magpie takes moderation from labelers",
}
