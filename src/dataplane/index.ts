import type { Client } from '@opensearch-project/opensearch'
import { LRUCache } from 'lru-cache'
import { getActors, resolveHandles, type ActorDoc } from '#/dataplane/actors.js'
import { createCounts, type ProfileCounts, type StarterPackJoins } from '#/dataplane/counts.js'
import { getRecords, type StoredRecord } from '#/dataplane/records.js'
import { recommendationOptOuts } from '#/dataplane/recommendation-opt-outs.js'
import { getRecentlyLive } from '#/dataplane/live-statuses.js'
import {
  getBlockedPairs,
  getKnownFollowers,
  getListMemberDids,
  getListBlocksBy,
  getRelationships,
  type KnownFollowers,
  type Relationship,
} from '#/dataplane/relationships.js'
import { Searcher } from '#/dataplane/opensearch-reader.js'
import { getBacklinks, getLinkingAccounts, type Backlink, type LinkFilter } from '#/dataplane/backlinks.js'
import { getBacklinkCounts, type BacklinkCounts } from '#/dataplane/backlink-counts.js'
import { searchRecords, type RecordSearchPage, type RecordSearchRequest } from '#/dataplane/record-search.js'
import { createFollowEdges, FOLLOWED_BYTES, followedListBytes } from '#/dataplane/follow-edges.js'
import { createIndexVersions } from '#/dataplane/index-versions.js'
import { createRolledCounts } from '#/dataplane/rolled-counts.js'
import { createPartitionWalk } from '#/dataplane/partition-walk.js'
import { createFeedReader, type AuthorFeedFilter, type FeedItemRef } from '#/dataplane/timelines.js'
import { getFollowPairs, getListMemberships } from '#/dataplane/gate-checks.js'
import {
  getActorLikes,
  getInteractionsBy,
  getKnownLikers,
  getLikesBySubject,
  getRepostsBySubject,
  type Interactions,
  type KnownLikers,
} from '#/dataplane/interactions.js'
import { getThread, type ThreadReach, type ThreadReads } from '#/dataplane/thread.js'
import {
  createPostCounts,
  getQuotes,
  getReplyAuthorCounts,
  type GatedReplies,
  type PostCounts,
} from '#/dataplane/posts.js'
import {
  deleteMute,
  getActorMuteStates,
  getMutedListUris,
  getMutedSubjects,
  getMutesOf,
  pageMutedActors,
  putMute,
  type ActorMuteState,
  type MuteKind,
  type MuteScope,
} from '#/dataplane/mutes.js'
import {
  getListblockSubjects,
  pageBlocks,
  pageFeedGens,
  pageFollowers,
  pageFollows,
  pageListItems,
  pageLists,
  pageListsByUri,
  pageStarterPacks,
  type Page,
  type PageRequest,
  type RecordRef,
  type SortKey,
} from '#/dataplane/pages.js'
import { getLikeCounts, getLikesBy } from '#/dataplane/subject-likes.js'
import {
  countNotificationCandidates,
  getNotificationCandidates,
  getRecentReplyThreads,
  type NotificationCandidate,
  type NotificationQuery,
  type NotificationReason,
} from '#/dataplane/notifications.js'
import { deleteBookmark, getBookmarkedBy, pageBookmarks, putBookmark, type Bookmark } from '#/dataplane/bookmarks.js'
import {
  getActivitySubscriptionsOf,
  getAllActivitySubscriptions,
  pageActivitySubscriptions,
  putActivitySubscription,
  type ActivitySubscription,
} from '#/dataplane/activity-subscriptions.js'
import { countDrafts, createDraft, deleteDraft, pageDrafts, updateDraft, type Draft } from '#/dataplane/drafts.js'
import { deletePushRegistration, putPushRegistration, type PushRegistration } from '#/dataplane/push-registrations.js'
import { getListOptOutDids, getListOptOutsBy } from '#/dataplane/list-opt-outs.js'
import { getNotifState, putNotifSettings, putSeenAt, type NotifState } from '#/dataplane/notif-state.js'
import { postFacets, searchPosts, type PostFacets, type PostSearchPage, type PostSearchRequest } from '#/dataplane/post-search.js'
import type { PostSearch } from '#/search/post-query.js'
import { getLabels, type Label } from '#/dataplane/labels.js'
import { searchActors, type ActorSearchPage, type ActorSearchRequest } from '#/dataplane/actor-search.js'
import {
  getFeedGensByService,
  getFilteredPostsPage,
  getHotCandidates,
  getRecentLikedPosts,
  getSimilarPosts,
  type HotCandidate,
  type HotQuery,
  type PostFilter,
  type RecentLikes,
  type SimilarPostsQuery,
} from '#/dataplane/feed-algos.js'
import { createDiscovery, type DiscoveryOptions, type Suggestions } from '#/dataplane/discovery.js'
import type { Ranked } from '#/dataplane/ranked-lists.js'
import type { TopicStat, TrendingTopics } from '#/dataplane/trending.js'
import type { Trend } from '#/dataplane/trends.js'
import type { SharedDocs } from '#/store/shared-docs.js'
import { getListItemsOf } from '#/dataplane/list-membership.js'
import { searchStarterPacks } from '#/dataplane/starterpack-search.js'
import { getVerificationsOf, type VerificationRef } from '#/dataplane/verifications.js'
import { reportCacheSize } from '#/metrics.js'

export type { ActorDoc, KnownFollowers, ProfileCounts, Relationship, StarterPackJoins, StoredRecord }
export type { ActorMuteState, MuteKind, MuteScope, Page, PageRequest, RecordRef, SortKey }
export type { AuthorFeedFilter, FeedItemRef, GatedReplies, Interactions, KnownLikers, PostCounts }
export type { NotificationCandidate, NotificationQuery, NotificationReason, NotifState }
export type { Bookmark }
export type { ActivitySubscription, Draft, PushRegistration }
export type { ThreadReach, ThreadReads }
export type { PostFacets, PostSearchPage, PostSearchRequest }
export type { Label }
export type { ActorSearchPage, ActorSearchRequest }
export type { HotCandidate, HotQuery, PostFilter, RecentLikes, SimilarPostsQuery }
export type { DiscoveryOptions, Ranked, Suggestions, TopicStat, Trend, TrendingTopics }
export type { VerificationRef }

/**
 * The one interface between the read API and storage: every OpenSearch query a read endpoint
 * needs lives behind it, batched (many DIDs or URIs per call) so hydration costs a handful of
 * round trips whatever the page size. Endpoints and hydrators never hold a client. The one
 * write is Magpie's own private state (mutes), which no repo holds.
 */
export interface DataPlane {
  // Identity
  /** Actor documents (handle, hosting status) by DID; unknown DIDs are absent. */
  getActors(dids: string[]): Promise<Map<string, ActorDoc>>
  /** Verified handle → DID (handles normalized to lower case); unknown handles are absent. */
  resolveHandles(handles: string[]): Promise<Map<string, string>>

  // Records
  /** Live records by AT URI, any collection; deleted and unknown ones are absent. */
  getRecords(uris: string[]): Promise<Map<string, StoredRecord>>
  /** Of `dids`, those whose contentVisibilityDeclaration hides them from algorithmic recommendations. */
  getRecommendationOptOuts(dids: Iterable<string>): Promise<Set<string>>

  // Aggregates (exact, cached briefly)
  getProfileCounts(dids: string[]): Promise<Map<string, ProfileCounts>>
  getListItemCounts(listUris: string[]): Promise<Map<string, number>>
  getStarterPackJoins(uris: string[]): Promise<Map<string, StarterPackJoins>>

  // Graph
  /** How `viewer` relates to each DID (the viewer's own DID gets no entry). */
  getRelationships(viewer: string, dids: string[]): Promise<Map<string, Relationship>>
  /** The pairs, of those given, with a block between them in either direction (direct or by list). */
  getBlockedPairs(pairs: [string, string][]): Promise<[string, string][]>
  /** Everyone `did` follows (cached briefly: timelines and known-followers ask repeatedly). */
  getFollowedDids(did: string): Promise<string[]>
  /** Per subject: which of the accounts the viewer follows follow it (count and a sample). */
  getKnownFollowers(viewer: string, subjects: string[], sampleSize?: number): Promise<Map<string, KnownFollowers>>
  /** The viewer's listblock URI for each list it subscribes to as a block list. */
  getListBlocksBy(viewer: string, listUris: string[]): Promise<Map<string, string>>

  // Graph listings, newest first, paged by sort key
  getFollowsPage(did: string, page: PageRequest): Promise<Page<RecordRef>>
  getFollowersPage(did: string, page: PageRequest): Promise<Page<RecordRef>>
  getBlocksPage(viewer: string, page: PageRequest): Promise<Page<RecordRef>>
  /** An account's lists of every purpose (the read API filters them after paging, as the reference does). */
  getListsPage(did: string, page: PageRequest): Promise<Page<RecordRef>>
  /** The lists, of those given, that exist. */
  getListsByUriPage(uris: string[], page: PageRequest): Promise<Page<RecordRef>>
  /** A list's members, leaving out `exclude`. */
  getListItemsPage(listUri: string, page: PageRequest, exclude?: string[]): Promise<Page<RecordRef>>
  /** Accounts that opted out of the (reference) list. */
  getListOptOutDids(listUri: string): Promise<string[]>
  /** The viewer's opt-out record of each list it opted out of. */
  getListOptOutsBy(viewer: string, listUris: string[]): Promise<Map<string, string>>
  getStarterPacksPage(did: string, page: PageRequest): Promise<Page<RecordRef>>
  getFeedGensPage(did: string, page: PageRequest): Promise<Page<RecordRef>>
  /** Every list the viewer subscribes to as a block list. */
  getListblockSubjects(viewer: string): Promise<string[]>

  // Likes of non-post records (feed generators, labelers)
  getLikeCounts(subjectUris: string[]): Promise<Map<string, number>>
  /** The viewer's like URI for each subject it likes. */
  getLikesBy(viewer: string, subjectUris: string[]): Promise<Map<string, string>>

  // Mutes: private to `viewer`, which callers must only ever set to the authenticated requester
  putMute(viewer: string, kind: MuteKind, subject: string, scope?: MuteScope): Promise<void>
  deleteMute(viewer: string, kind: MuteKind, subject: string): Promise<void>
  /** How the viewer mutes each account (directly, by list); unmuted accounts are absent. */
  getActorMutes(viewer: string, dids: string[]): Promise<Map<string, ActorMuteState>>
  /** Of `subjects`, those the viewer mutes as `kind` (lists, thread roots, accounts). */
  getMutesOf(viewer: string, kind: MuteKind, subjects: string[]): Promise<Map<string, MuteScope>>
  /** Everything the viewer mutes as `kind` if at most `max`, else undefined. */
  getMutedSubjects(viewer: string, kind: MuteKind, max: number): Promise<Set<string> | undefined>
  /** Every list the viewer mutes. */
  getMutedListUris(viewer: string): Promise<string[]>
  /** Accounts the viewer fully mutes, newest mute first (sort key: [createdAt, did]). */
  getMutedActorsPage(viewer: string, page: PageRequest): Promise<Page<string>>

  // Posts, interactions and feeds (pages newest first, keyed by [sortAt, cid, did])
  /** Likes, reposts, replies and quotes of each URI (exact, cached briefly). */
  getPostCounts(uris: string[]): Promise<Map<string, PostCounts>>
  /** `actor`'s like and repost of each subject. */
  getInteractionsBy(actor: string, subjects: string[]): Promise<Map<string, Interactions>>
  /** Per subject with any: how many of its recent likers the viewer follows, and the latest `limit` of them. */
  getKnownLikers(viewer: string, subjects: string[], limit: number): Promise<Map<string, KnownLikers>>
  getLikesBySubject(uri: string, page: PageRequest): Promise<Page<StoredRecord>>
  getRepostsBySubject(uri: string, page: PageRequest): Promise<Page<StoredRecord>>
  /** Posts quoting the URI. */
  getQuotes(uri: string, page: PageRequest): Promise<Page<StoredRecord>>
  /** The account's likes of posts. */
  getActorLikes(did: string, page: PageRequest): Promise<Page<StoredRecord>>
  /** The account's posts (as the filter selects) and reposts. */
  getAuthorFeed(did: string, filter: AuthorFeedFilter, page: PageRequest): Promise<Page<FeedItemRef>>
  /** Posts and reposts of the viewer and of everyone they follow. */
  getTimeline(viewer: string, page: PageRequest): Promise<Page<FeedItemRef>>
  /** Posts by the list's members (whether or not the list itself still exists, as in the reference AppView). */
  getListFeed(listUri: string, page: PageRequest, exclude?: string[]): Promise<Page<FeedItemRef>>
  /** The post and up to `height` reply ancestors (child first, while they exist), its replies down to `depth` levels, and the OP line if asked. */
  getThread(uri: string, reach: ThreadReach): Promise<ThreadReads>
  /** Per gated parent: its direct replies since the gate, counted by author (the owner left out). */
  getReplyAuthorCounts(parents: GatedReplies[]): Promise<Map<string, Map<string, number>>>
  /** The [follower, subject] pairs that hold, as "follower subject" keys. */
  getFollowPairs(pairs: [string, string][]): Promise<Set<string>>
  /** The [list, member] pairs that hold, as "list member" keys. */
  getListMemberships(pairs: [string, string][]): Promise<Set<string>>

  // Notifications: queries over the record indices (pages newest first, keyed by [sortAt, cid, did])
  /**
   * Records that may notify `q.recipient`, newest first. `onlyAll`: when there are more than a
   * page of them, only say so (`next`, no items), without reading the page's records.
   */
  getNotificationCandidates(q: NotificationQuery, page: PageRequest, opts?: { onlyAll?: boolean }): Promise<Page<NotificationCandidate>>
  /** How many records may notify `q.recipient` (exact). */
  countNotificationCandidates(q: NotificationQuery): Promise<number>
  /** Roots of the threads of the account's newest replies. */
  getRecentReplyThreads(did: string): Promise<string[]>
  // Notification state: private to `did`, which callers must only ever set to the authenticated requester
  getNotifState(did: string): Promise<NotifState>
  /** Moves the seen time forward (never back). */
  putSeenAt(did: string, seenAt: string): Promise<void>
  putNotifSettings(did: string, fields: { priority?: boolean; preferences?: Record<string, unknown> }): Promise<void>

  // Bookmarks: private to `viewer` (counts per post are public, in getPostCounts)
  putBookmark(viewer: string, subject: string, subjectCid: string): Promise<void>
  deleteBookmark(viewer: string, subject: string): Promise<void>
  /** Of `subjects`, those the viewer bookmarked. */
  getBookmarkedBy(viewer: string, subjects: string[]): Promise<Set<string>>
  /** The viewer's bookmarks, newest first (sort key: [createdAt, subject]). */
  getBookmarksPage(viewer: string, page: PageRequest): Promise<Page<Bookmark>>

  // Activity subscriptions: private to `viewer` (the subscriber)
  /** Subscribe, change, or (neither posts nor replies) unsubscribe. */
  putActivitySubscription(viewer: string, subject: string, wants: { post: boolean; reply: boolean }): Promise<void>
  /** Of `subjects`, those the viewer subscribes to. */
  getActivitySubscriptionsOf(viewer: string, subjects: string[]): Promise<Map<string, ActivitySubscription>>
  /** Every subscription of the viewer (bounded), for its notifications. */
  getAllActivitySubscriptions(viewer: string): Promise<Map<string, ActivitySubscription>>
  /** Accounts the viewer subscribes to, newest first (sort key: [createdAt, did]). */
  getActivitySubscriptionsPage(viewer: string, page: PageRequest): Promise<Page<string>>

  // Drafts: private to `viewer`
  countDrafts(viewer: string): Promise<number>
  createDraft(viewer: string, draftId: string, draft: Record<string, unknown>): Promise<void>
  /** False when the viewer has no such draft (nothing is created). */
  updateDraft(viewer: string, draftId: string, draft: Record<string, unknown>): Promise<boolean>
  deleteDraft(viewer: string, draftId: string): Promise<void>
  /** The viewer's drafts, last updated first (sort key: [updatedAt, id]). */
  getDraftsPage(viewer: string, page: PageRequest): Promise<Page<Draft>>

  // Push registrations: private to `viewer`, stored only (Magpie sends no pushes)
  putPushRegistration(viewer: string, registration: PushRegistration): Promise<void>
  deletePushRegistration(viewer: string, registration: PushRegistration): Promise<void>

  // Search (src/search/ builds the query from the user's text and filters)
  /** Live posts matching the search, newest first (`latest`) or best first (`top`). */
  searchPosts(req: PostSearchRequest): Promise<PostSearchPage>
  /** Counts of every match by language, hashtag, author, domain, media, and over time (`size` buckets per facet). */
  getPostFacets(search: PostSearch, size: number): Promise<PostFacets>
  // Labels from labeler services
  /** By subject (record URI or account DID): the labels in force from `labelers` (not negated, not expired). */
  getLabels(subjects: string[], labelers: string[]): Promise<Map<string, Label[]>>
  // Actor search: handles and names, best first (text tier, viewer's follows, followers)
  searchActors(req: ActorSearchRequest): Promise<ActorSearchPage>
  // Built-in feeds (src/feeds/)
  /** Live top-level posts made since `q.since` with the most likes, reposts or replies since then, with those counts. */
  getHotCandidates(q: HotQuery): Promise<HotCandidate[]>
  /** The posts the account liked most recently (at or before `until`), and when the newest of those likes was made. */
  getRecentLikedPosts(did: string, opts: { until?: number; limit: number }): Promise<RecentLikes>
  /** Top-level posts whose text is most like the given texts (more_like_this), best first with scores. */
  getSimilarPosts(q: SimilarPostsQuery): Promise<{ uri: string; score: number }[]>
  /** Posts with any of the hashtags and in any of the languages, newest first. */
  getFilteredPostsPage(filter: PostFilter, page: PageRequest): Promise<Page<FeedItemRef>>
  /** Generator records naming `serviceDid` as their feed service, newest first. */
  getFeedGensByService(serviceDid: string, limit: number): Promise<StoredRecord[]>
  // Discovery: ranked lists computed by aggregations and reused briefly (see dataplane/discovery.ts)
  /** Hashtags trending in the recent window, and the most used over the background window. */
  getTrendingTopics(): Promise<TrendingTopics>
  /** The trending topics with post counts, start times and the accounts posting on each most. */
  getTrends(): Promise<Trend[]>
  /** Starter pack URIs by the accounts that joined through them, then the newest. */
  getPopularStarterPacks(): Promise<Ranked[]>
  /** Accounts whose "live" status was set within `withinMs` (the longest a status lasts), newest first. */
  getRecentlyLive(withinMs: number): Promise<string[]>
  /** Feed generator URIs by likes; with a query, of those whose name or description match it. */
  getPopularFeedGens(query?: string): Promise<Ranked[]>
  /** Feed generator URIs liked by whom the viewer follows, then popular ones; not the viewer's own or liked ones. */
  getSuggestedFeedGens(viewer: string | null): Promise<Ranked[]>
  /** DIDs followed by many of whom the viewer follows (not the viewer, nor whom it follows), then the most followed lately. */
  getFollowSuggestions(viewer: string | null): Promise<Suggestions>
  /** DIDs the followers of `actor` follow more than everyone does (not the actor, the viewer, nor whom it follows). */
  getCoFollowSuggestions(actor: string, viewer: string | null): Promise<Suggestions>

  // Membership dialogs, starter-pack search, verification
  /** Of the lists given, those `subject` is on, each with the listitem record that puts it there. */
  getListItemsOf(subject: string, listUris: string[]): Promise<Map<string, string>>
  /** Starter packs whose name holds every word of `text`, newest first. */
  searchStarterPacks(text: string, page: PageRequest): Promise<Page<RecordRef>>
  /** Per subject: its live verifications by any of `issuers`, one per issuer. */
  getVerificationsOf(subjects: string[], issuers: readonly string[]): Promise<Map<string, VerificationRef[]>>

  // Backlinks of any lexicon (dataplane/backlinks.ts) and search over third-party records
  /** Live records linking to `subject` (AT URI, DID or URL), newest first (sort key: [sortAt, cid, did]). */
  getBacklinks(subject: string, filter: LinkFilter, page: PageRequest): Promise<Page<Backlink>>
  /** Live records and distinct accounts linking to `subject`, in all and by collection and path. */
  getBacklinkCounts(subject: string): Promise<BacklinkCounts>
  /** Distinct accounts linking to `subject` from one collection and path, by DID (the cursor is the last DID). */
  getLinkingAccounts(subject: string, filter: Required<LinkFilter>, page: { after?: string; limit: number }): Promise<{ dids: string[]; next?: string }>
  /** Live third-party records matching words and filters, newest first, with counts by collection. */
  searchRecords(req: RecordSearchRequest): Promise<RecordSearchPage>
}

export interface DataPlaneOptions {
  client: Client
  /** INDEX_PREFIX: every alias read is `<prefix><family>`. */
  prefix: string
  /** How long aggregates and follow lists are reused. Default 5 s; 0 disables caching. */
  cacheTtlMs?: number
  /** Windows, thresholds and reuse of the discovery lists (defaults in dataplane/discovery.ts). */
  discovery?: Partial<DiscoveryOptions>
  /** Documents read by id, shared with the other API processes (REDIS_URL); see cached-reads.ts. */
  sharedDocs?: SharedDocs
  /** Bytes (of JSON) of documents read by id kept in this process (READ_CACHE_MB); default in cached-reads.ts. */
  documentCacheBytes?: number
  /** Bound on each search's run time, in ms (SEARCH_TIMEOUT_MS); 0 or absent: none. */
  searchTimeoutMs?: number
  /** The clock labels expire by, live statuses end by and the live months are told by (tests move it). Default: Date.now. */
  now?: () => number
}

/** Within this, a write is seen by reads that take documents from what was read before (well inside the refresh interval a search has). */
const INDEX_VERSION_REUSE_MS = 250

export function createDataPlane(opts: DataPlaneOptions): DataPlane {
  const ttlMs = opts.cacheTtlMs ?? 5_000
  const now = opts.now ?? Date.now
  // Whole-index versions are asked for again this often at most (with caching off: for every read).
  const indexVersions = createIndexVersions(opts.client, { reuseMs: Math.min(ttlMs, INDEX_VERSION_REUSE_MS) })
  const search = new Searcher(opts.client, opts.prefix, { cache: { shared: opts.sharedDocs, indexVersions, localBytes: opts.documentCacheBytes }, searchTimeoutMs: opts.searchTimeoutMs })
  const rolled = createRolledCounts(search, { ttlMs, now })
  const followEdges = createFollowEdges(search, rolled)
  const counts = createCounts(search, rolled, { ttlMs })
  // Bounded by weight, not count: a list is up to MAX_FOLLOWED DIDs, and expired ones stay until pushed out.
  const followed = new LRUCache<string, string[]>({ maxSize: FOLLOWED_BYTES, sizeCalculation: followedListBytes, ttl: Math.max(ttlMs, 1) })
  reportCacheSize('followed', () => followed.calculatedSize)
  const postCounts = createPostCounts(search, rolled, { ttlMs })
  const walk = createPartitionWalk(search, { ttlMs })
  const feeds = createFeedReader(walk)
  const discovery = createDiscovery(search, (did) => followedDids(did), (uris) => getLikeCounts(rolled, uris), opts.discovery)

  async function followedDids(did: string): Promise<string[]> {
    const hit = ttlMs > 0 ? followed.get(did) : undefined
    if (hit) return hit
    const dids = await followEdges.followed(did)
    if (ttlMs > 0) followed.set(did, dids)
    return dids
  }

  return {
    getActors: (dids) => getActors(search, dids),
    resolveHandles: (handles) => resolveHandles(search, handles),
    getRecords: (uris) => getRecords(search, uris),
    getRecommendationOptOuts: (dids) => recommendationOptOuts((uris) => getRecords(search, uris), dids),
    getProfileCounts: (dids) => counts.profileCounts(dids),
    getListItemCounts: (uris) => counts.listItemCounts(uris),
    getStarterPackJoins: (uris) => counts.starterPackJoins(uris),
    getRelationships: (viewer, dids) => getRelationships(search, followEdges, viewer, dids),
    getBlockedPairs: (pairs) => getBlockedPairs(search, pairs),
    getFollowedDids: followedDids,
    async getKnownFollowers(viewer, subjects, sampleSize = 5) {
      if (subjects.length === 0) return new Map()
      // A follow of one of the subjects can only be in a month where one of them gained a follower.
      const [followed, partitions] = await Promise.all([followedDids(viewer), rolled.holding('followers', subjects)])
      return getKnownFollowers(search, followed, subjects, sampleSize, partitions)
    },
    getListBlocksBy: (viewer, uris) => getListBlocksBy(search, viewer, uris),
    getFollowsPage: (did, page) => pageFollows(search, did, page),
    getFollowersPage: (did, page) => pageFollowers(search, did, page),
    getBlocksPage: (viewer, page) => pageBlocks(search, viewer, page),
    getListsPage: (did, page) => pageLists(search, did, page),
    getListsByUriPage: (uris, page) => pageListsByUri(search, uris, page),
    getListItemsPage: (listUri, page, exclude) => pageListItems(search, listUri, page, exclude),
    getListOptOutDids: (listUri) => getListOptOutDids(search, listUri),
    getListOptOutsBy: (viewer, listUris) => getListOptOutsBy(search, viewer, listUris),
    getStarterPacksPage: (did, page) => pageStarterPacks(search, did, page),
    getFeedGensPage: (did, page) => pageFeedGens(search, did, page),
    getListblockSubjects: (viewer) => getListblockSubjects(search, viewer),
    getLikeCounts: (uris) => getLikeCounts(rolled, uris),
    getLikesBy: (viewer, uris) => getLikesBy(search, viewer, uris),
    putMute: (viewer, kind, subject, scope) => putMute(search, viewer, kind, subject, scope),
    deleteMute: (viewer, kind, subject) => deleteMute(search, viewer, kind, subject),
    getActorMutes: (viewer, dids) => getActorMuteStates(search, viewer, dids),
    getMutesOf: (viewer, kind, subjects) => getMutesOf(search, viewer, kind, subjects),
    getMutedSubjects: (viewer, kind, max) => getMutedSubjects(search, viewer, kind, max),
    getMutedListUris: (viewer) => getMutedListUris(search, viewer),
    getMutedActorsPage: (viewer, page) => pageMutedActors(search, viewer, page),
    getPostCounts: postCounts,
    getInteractionsBy: (actor, subjects) => getInteractionsBy(search, rolled, actor, subjects),
    getKnownLikers: (viewer, subjects, limit) => getKnownLikers(search, rolled, followEdges, viewer, subjects, limit),
    getLikesBySubject: (uri, page) => getLikesBySubject(search, uri, page),
    getRepostsBySubject: (uri, page) => getRepostsBySubject(search, uri, page),
    getQuotes: (uri, page) => getQuotes(search, uri, page),
    getActorLikes: (did, page) => getActorLikes(search, did, page),
    getAuthorFeed: (did, filter, page) => feeds.authorFeed(did, filter, page),
    getTimeline: async (viewer, page) => feeds.timeline([viewer, ...(await followedDids(viewer))], page),
    async getListFeed(listUri, page, exclude = []) {
      const members = await getListMemberDids(search, listUri)
      const hidden = new Set(exclude)
      return feeds.posts(hidden.size ? members.filter((did) => !hidden.has(did)) : members, page)
    },
    getThread: (uri, reach) => getThread(search, rolled, uri, reach),
    getReplyAuthorCounts: (parents) => getReplyAuthorCounts(search, rolled, parents),
    getFollowPairs: (pairs) => getFollowPairs(search, rolled, followEdges, pairs),
    getListMemberships: (pairs) => getListMemberships(search, pairs),
    getNotificationCandidates: (q, page, opts) => getNotificationCandidates(walk, (uris) => getRecords(search, uris), q, page, opts),
    countNotificationCandidates: (q) => countNotificationCandidates(search, walk, q),
    getRecentReplyThreads: (did) => getRecentReplyThreads(search, rolled, did),
    getNotifState: (did) => getNotifState(search, did),
    putSeenAt: (did, seenAt) => putSeenAt(search, did, seenAt),
    putNotifSettings: (did, fields) => putNotifSettings(search, did, fields),
    putBookmark: (viewer, subject, cid) => putBookmark(search, viewer, subject, cid),
    deleteBookmark: (viewer, subject) => deleteBookmark(search, viewer, subject),
    getBookmarkedBy: (viewer, subjects) => getBookmarkedBy(search, viewer, subjects),
    getBookmarksPage: (viewer, page) => pageBookmarks(search, viewer, page),
    putActivitySubscription: (viewer, subject, wants) => putActivitySubscription(search, viewer, subject, wants),
    getActivitySubscriptionsOf: (viewer, subjects) => getActivitySubscriptionsOf(search, viewer, subjects),
    getAllActivitySubscriptions: (viewer) => getAllActivitySubscriptions(search, viewer),
    getActivitySubscriptionsPage: (viewer, page) => pageActivitySubscriptions(search, viewer, page),
    countDrafts: (viewer) => countDrafts(search, viewer),
    createDraft: (viewer, id, draft) => createDraft(search, viewer, id, draft),
    updateDraft: (viewer, id, draft) => updateDraft(search, viewer, id, draft),
    deleteDraft: (viewer, id) => deleteDraft(search, viewer, id),
    getDraftsPage: (viewer, page) => pageDrafts(search, viewer, page),
    putPushRegistration: (viewer, registration) => putPushRegistration(search, viewer, registration),
    deletePushRegistration: (viewer, registration) => deletePushRegistration(search, viewer, registration),
    searchPosts: (req) => searchPosts(search, walk, postCounts, req),
    getPostFacets: (postSearch, size) => postFacets(search, postSearch, size),
    getLabels: (subjects, labelers) => getLabels(search, subjects, labelers, now()),
    searchActors: (req) => searchActors(search, req),
    getHotCandidates: (q) => getHotCandidates(search, q),
    getRecentLikedPosts: (did, o) => getRecentLikedPosts(search, did, o),
    getSimilarPosts: (q) => getSimilarPosts(search, q),
    getFilteredPostsPage: (filter, page) => getFilteredPostsPage(walk, filter, page),
    getFeedGensByService: (serviceDid, limit) => getFeedGensByService(search, serviceDid, limit),
    getTrendingTopics: () => discovery.trendingTopics(),
    getTrends: () => discovery.trends(),
    getPopularStarterPacks: () => discovery.popularStarterPacks(),
    getRecentlyLive: (withinMs) => getRecentlyLive(search, withinMs, now()),
    getPopularFeedGens: (query) => discovery.popularFeedGens(query),
    getSuggestedFeedGens: (viewer) => discovery.suggestedFeedGens(viewer),
    getFollowSuggestions: (viewer) => discovery.followSuggestions(viewer),
    getCoFollowSuggestions: (actor, viewer) => discovery.coFollowSuggestions(actor, viewer),
    getListItemsOf: (subject, listUris) => getListItemsOf(search, subject, listUris),
    searchStarterPacks: (text, page) => searchStarterPacks(search, text, page),
    getVerificationsOf: (subjects, issuers) => getVerificationsOf(search, subjects, issuers),
    getBacklinks: (subject, filter, page) => getBacklinks(search, subject, filter, page),
    getBacklinkCounts: (subject) => getBacklinkCounts(search, subject),
    getLinkingAccounts: (subject, filter, page) => getLinkingAccounts(search, subject, filter, page),
    searchRecords: (req) => searchRecords(search, req),
  }
}
