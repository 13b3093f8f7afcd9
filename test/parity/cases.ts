import type { AccountName, Scenario } from './scenario.js'

/**
 * The requests the parity suite sends to both AppViews: every read endpoint Magpie serves that the
 * reference answers comparably in dev-env (NOT_COMPARED, at the end, lists the others and why),
 * each from several viewers (anonymous, the author, followers, a blocked and a blocking account,
 * a muted one…). Parameters are functions of the seeded scenario, so the list is fixed before
 * the network exists.
 */

export type Params = Record<string, string | number | boolean | string[]>

export interface ParityCase {
  /** Unique and readable: "<method> <what> as <viewer>". */
  name: string
  nsid: string
  /** Who asks (a service-auth token minted by their PDS for each AppView), or null for anonymous. */
  viewer: AccountName | null
  params: (s: Scenario) => Params
  /** Follow each AppView's own cursor for this many pages (the case sets a small `limit`). */
  pages?: number
}

const cases: ParityCase[] = []

function add(nsid: string, what: string, viewers: (AccountName | null)[], params: (s: Scenario) => Params, pages?: number): void {
  const method = nsid.split('.').slice(-1)[0]
  for (const viewer of viewers) {
    cases.push({ name: `${method} ${what} as ${viewer ?? 'anonymous'}`, nsid, viewer, params, ...(pages ? { pages } : {}) })
  }
}

const did = (s: Scenario, name: AccountName) => s.accounts[name].did
const uri = (s: Scenario, ref: string) => {
  const r = s.refs[ref]
  if (!r) throw new Error(`the scenario has no record named ${ref}`)
  return r.uri
}
const UNKNOWN_DID = 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa'

// app.bsky.actor
const PROFILE = 'app.bsky.actor.getProfile'
add(PROFILE, 'alice', [null, 'alice', 'bob', 'carol', 'dan', 'eve', 'gina'], (s) => ({ actor: did(s, 'alice') }))
add(PROFILE, 'bob (verified by alice)', [null, 'alice', 'dan'], (s) => ({ actor: did(s, 'bob') }))
add(PROFILE, 'carol (blocked by alice)', [null, 'alice'], (s) => ({ actor: did(s, 'carol') }))
add(PROFILE, 'dan (blocks alice)', [null, 'alice', 'bob'], (s) => ({ actor: did(s, 'dan') }))
add(PROFILE, 'eve (muted by bob, on a muted list)', ['bob'], (s) => ({ actor: did(s, 'eve') }))
add(PROFILE, 'frank (on a blocked list)', ['bob', 'alice'], (s) => ({ actor: did(s, 'frank') }))
add(PROFILE, 'gina by her new handle', [null, 'bob'], () => ({ actor: 'regina.test' }))
add(PROFILE, 'gina by her old handle', [null], () => ({ actor: 'gina.test' }))
add(PROFILE, 'hank (deactivated)', [null, 'alice'], (s) => ({ actor: did(s, 'hank') }))
add(PROFILE, 'ivan (taken down)', [null], (s) => ({ actor: did(s, 'ivan') }))
add(PROFILE, 'labby (a labeler)', [null], (s) => ({ actor: did(s, 'labby') }))
add(PROFILE, 'frank (labelled by the moderation service)', [null], (s) => ({ actor: did(s, 'frank') }))
add(PROFILE, 'the moderation service', [null], (s) => ({ actor: s.modServiceDid }))
add(PROFILE, 'an unknown DID', [null], () => ({ actor: UNKNOWN_DID }))
const PROFILES = 'app.bsky.actor.getProfiles'
const everyone = (s: Scenario) => ({
  actors: [did(s, 'alice'), 'bob.test', did(s, 'carol'), did(s, 'dan'), did(s, 'eve'), 'regina.test', did(s, 'hank'), did(s, 'ivan'), UNKNOWN_DID],
})
add(PROFILES, 'everyone', [null, 'bob', 'carol', 'dan'], everyone)

// Actor search, where the reference gives meaningful answers: without a search service it
// matches handles by substring (newest account first), while Magpie ranks by relevance, so the
// queries are ones that only the intended accounts' handles answer, plus an account the rules
// hide. (Not "hank", deactivated: Magpie's partial matching then finds Frank, as it should.)
for (const nsid of ['app.bsky.actor.searchActors', 'app.bsky.actor.searchActorsTypeahead']) {
  add(nsid, '"carol" (blocked by alice)', [null, 'bob', 'alice'], () => ({ q: 'carol' }))
  add(nsid, '"@frank"', [null, 'frank'], () => ({ q: '@frank' }))
  add(nsid, '"gina" (now regina)', [null, 'alice'], () => ({ q: 'gina' }))
  add(nsid, '"labby" (a labeler)', ['bob'], () => ({ q: 'labby' }))
  add(nsid, '"ivan" (taken down)', [null], () => ({ q: 'ivan' }))
  add(nsid, '"zzzz" (no one)', [null], () => ({ q: 'zzzz' }))
}

// app.bsky.feed
const TIMELINE = 'app.bsky.feed.getTimeline'
add(TIMELINE, 'home', ['alice', 'bob', 'carol', 'dan', 'eve', 'gina', 'labby'], () => ({}))
add(TIMELINE, 'home, 3 pages of 4', ['bob'], () => ({ limit: 4 }), 3)
// The app's poll for new posts (limit 1), and small pages: read ahead and refilled in one hydration.
add(TIMELINE, "home, the app's peek, 6 pages of 1", ['alice', 'bob', 'carol', 'dan', 'eve', 'gina'], () => ({ limit: 1 }), 6)
add(TIMELINE, 'home, 4 pages of 3', ['alice', 'carol', 'eve'], () => ({ limit: 3 }), 4)
add(TIMELINE, 'home, anonymous', [null], () => ({}))

const AUTHOR_FEED = 'app.bsky.feed.getAuthorFeed'
for (const filter of ['posts_with_replies', 'posts_no_replies', 'posts_with_media', 'posts_and_author_threads', 'posts_with_video']) {
  add(AUTHOR_FEED, `alice ${filter}`, [null], (s) => ({ actor: did(s, 'alice'), filter }))
}
add(AUTHOR_FEED, 'alice', [null, 'alice', 'bob', 'carol', 'dan', 'eve'], (s) => ({ actor: did(s, 'alice') }))
add(AUTHOR_FEED, 'alice with pins', [null, 'bob'], (s) => ({ actor: did(s, 'alice'), includePins: true }))
add(AUTHOR_FEED, 'alice with pins, posts_and_author_threads', [null], (s) => ({ actor: did(s, 'alice'), includePins: true, filter: 'posts_and_author_threads' }))
add(AUTHOR_FEED, 'alice, 3 pages of 3', [null], (s) => ({ actor: did(s, 'alice'), limit: 3 }), 3)
add(AUTHOR_FEED, 'bob posts_with_replies', [null, 'alice'], (s) => ({ actor: did(s, 'bob'), filter: 'posts_with_replies' }))
add(AUTHOR_FEED, 'gina by new handle', [null], () => ({ actor: 'regina.test' }))
add(AUTHOR_FEED, 'eve (muted)', ['bob'], (s) => ({ actor: did(s, 'eve') }))
add(AUTHOR_FEED, 'frank (list-blocked)', ['bob'], (s) => ({ actor: did(s, 'frank') }))
add(AUTHOR_FEED, 'hank (deactivated)', [null], (s) => ({ actor: did(s, 'hank') }))
add(AUTHOR_FEED, 'ivan (taken down)', [null], (s) => ({ actor: did(s, 'ivan') }))
add(AUTHOR_FEED, 'dan (a post labelled, one taken down by the moderation service)', [null], (s) => ({ actor: did(s, 'dan') }))

const THREAD = 'app.bsky.feed.getPostThread'
add(THREAD, 'a1 (deep, gated, hidden reply)', [null, 'alice', 'bob', 'carol', 'dan', 'eve', 'gina'], (s) => ({ uri: uri(s, 'a1') }))
add(THREAD, 'a1 depth 1', [null], (s) => ({ uri: uri(s, 'a1'), depth: 1 }))
add(THREAD, 'a1 depth 0', [null], (s) => ({ uri: uri(s, 'a1'), depth: 0 }))
add(THREAD, 'r5 (deepest reply)', [null, 'bob'], (s) => ({ uri: uri(s, 'r5') }))
add(THREAD, 'r5 parentHeight 2', [null], (s) => ({ uri: uri(s, 'r5'), parentHeight: 2 }))
add(THREAD, 'rc (reply by carol)', [null, 'alice'], (s) => ({ uri: uri(s, 'rc') }))
add(THREAD, 'p2 (followers only)', [null, 'alice', 'frank'], (s) => ({ uri: uri(s, 'p2') }))
add(THREAD, 'p4 (mention or list)', [null, 'bob'], (s) => ({ uri: uri(s, 'p4') }))
add(THREAD, 'p6 (nobody)', [null], (s) => ({ uri: uri(s, 'p6') }))
add(THREAD, 'p3 (post gate)', [null], (s) => ({ uri: uri(s, 'p3') }))
add(THREAD, 'a3 (thread muted by bob)', ['bob'], (s) => ({ uri: uri(s, 'a3') }))
add(THREAD, 'ab2 (parent deleted)', [null], (s) => ({ uri: uri(s, 'ab2') }))
add(THREAD, 'g1 (deleted)', [null], (s) => ({ uri: uri(s, 'g1') }))
add(THREAD, 'd1 (author blocks viewer)', ['alice'], (s) => ({ uri: uri(s, 'd1') }))
add(THREAD, 'h1 (author deactivated)', [null], (s) => ({ uri: uri(s, 'h1') }))
add(THREAD, 'm2 (taken down by the moderation service)', [null], (s) => ({ uri: uri(s, 'm2') }))

const POSTS = 'app.bsky.feed.getPosts'
const notable = ['a1', 'a2', 'a3', 'a4', 'a5', 'b1', 'r2', 'r5', 're', 'rc', 'q1', 'q2', 'q3', 'q5', 'q6', 'qfeed', 'qlist', 'p2:frank', 'p4:frank', 'p6:bob', 'ab2', 'g1', 'r6', 'd1', 'h1', 'i1', 'e1']
add(POSTS, 'every notable post', [null, 'alice', 'bob', 'carol', 'dan'], (s) => ({ uris: notable.slice(0, 25).map((r) => uri(s, r)) }))
add(POSTS, 'the rest', [null], (s) => ({ uris: notable.slice(25).map((r) => uri(s, r)) }))
add(POSTS, 'labelled and taken down by the moderation service', [null, 'dan'], (s) => ({ uris: ['m1', 'a5', 'm2', 'mq'].map((r) => uri(s, r)) }))

const LIKES = 'app.bsky.feed.getLikes'
add(LIKES, 'a1', [null, 'bob', 'alice', 'dan'], (s) => ({ uri: uri(s, 'a1') }))
add(LIKES, 'a1, 3 pages of 2', [null], (s) => ({ uri: uri(s, 'a1'), limit: 2 }), 3)
add(LIKES, 'the feed generator', [null], (s) => ({ uri: uri(s, 'feed') }))
add(LIKES, 'r2 (like deleted)', [null], (s) => ({ uri: uri(s, 'r2') }))
const REPOSTED_BY = 'app.bsky.feed.getRepostedBy'
add(REPOSTED_BY, 'a1', [null, 'bob', 'alice'], (s) => ({ uri: uri(s, 'a1') }))
add(REPOSTED_BY, 'a2 (repost deleted)', [null], (s) => ({ uri: uri(s, 'a2') }))
const QUOTES = 'app.bsky.feed.getQuotes'
add(QUOTES, 'a1', [null, 'alice'], (s) => ({ uri: uri(s, 'a1') }))
add(QUOTES, 'a2 (with media)', [null], (s) => ({ uri: uri(s, 'a2') }))
add(QUOTES, 'p3 (post gate)', [null, 'alice'], (s) => ({ uri: uri(s, 'p3') }))
add(QUOTES, 'g1 (deleted)', [null], (s) => ({ uri: uri(s, 'g1') }))
const ACTOR_LIKES = 'app.bsky.feed.getActorLikes'
add(ACTOR_LIKES, 'bob', ['bob', 'alice'], (s) => ({ actor: did(s, 'bob') }))
add(ACTOR_LIKES, 'alice', ['alice'], (s) => ({ actor: did(s, 'alice') }))
add(ACTOR_LIKES, 'bob, anonymous', [null], (s) => ({ actor: did(s, 'bob') }))

const FEED_GEN = 'app.bsky.feed.getFeedGenerator'
add(FEED_GEN, 'pets', [null, 'bob', 'alice'], (s) => ({ feed: uri(s, 'feed') }))
add(FEED_GEN, 'missing', [null], (s) => ({ feed: `at://${did(s, 'alice')}/app.bsky.feed.generator/missing` }))
add('app.bsky.feed.getFeedGenerators', 'pets and a missing one', [null, 'bob'], (s) => ({
  feeds: [uri(s, 'feed'), `at://${did(s, 'alice')}/app.bsky.feed.generator/missing`],
}))
const ACTOR_FEEDS = 'app.bsky.feed.getActorFeeds'
add(ACTOR_FEEDS, 'alice', [null, 'bob', 'dan'], (s) => ({ actor: did(s, 'alice') }))
add(ACTOR_FEEDS, 'bob (none)', [null], (s) => ({ actor: did(s, 'bob') }))
const LIST_FEED = 'app.bsky.feed.getListFeed'
add(LIST_FEED, 'friends', [null, 'alice', 'bob', 'carol'], (s) => ({ list: uri(s, 'friends') }))
add(LIST_FEED, 'friends, 2 pages of 3', [null], (s) => ({ list: uri(s, 'friends'), limit: 3 }), 2)
add(LIST_FEED, 'starter pack list (gina opted out)', [null, 'alice'], (s) => ({ list: uri(s, 'spList') }))

// app.bsky.graph
const FOLLOWS = 'app.bsky.graph.getFollows'
add(FOLLOWS, 'alice', [null, 'bob', 'carol', 'dan'], (s) => ({ actor: did(s, 'alice') }))
add(FOLLOWS, 'bob', [null, 'alice'], (s) => ({ actor: did(s, 'bob') }))
add(FOLLOWS, 'alice, 3 pages of 2', [null], (s) => ({ actor: did(s, 'alice'), limit: 2 }), 3)
const FOLLOWERS = 'app.bsky.graph.getFollowers'
add(FOLLOWERS, 'alice', [null, 'alice', 'bob', 'carol', 'dan'], (s) => ({ actor: did(s, 'alice') }))
add(FOLLOWERS, 'gina', [null], () => ({ actor: 'regina.test' }))
add(FOLLOWERS, 'alice, 3 pages of 3', [null], (s) => ({ actor: did(s, 'alice'), limit: 3 }), 3)
const KNOWN = 'app.bsky.graph.getKnownFollowers'
add(KNOWN, 'alice', ['bob', 'gina', 'eve'], (s) => ({ actor: did(s, 'alice') }))
add(KNOWN, 'gina', ['bob'], (s) => ({ actor: did(s, 'gina') }))
add(KNOWN, 'alice, anonymous', [null], (s) => ({ actor: did(s, 'alice') }))
add('app.bsky.graph.getBlocks', 'own', ['alice', 'dan', 'bob'], () => ({}))
add('app.bsky.graph.getMutes', 'own', ['bob', 'alice', 'carol'], () => ({}))
add('app.bsky.graph.getMutes', 'anonymous', [null], () => ({}))
const LISTS = 'app.bsky.graph.getLists'
add(LISTS, 'alice', [null, 'bob', 'gina'], (s) => ({ actor: did(s, 'alice') }))
add(LISTS, 'alice modlists', [null], (s) => ({ actor: did(s, 'alice'), purposes: ['modlist'] }))
add(LISTS, 'alice curatelists', [null], (s) => ({ actor: did(s, 'alice'), purposes: ['curatelist'] }))
// Pages of two of Alice's four lists, the newest a reference list (a starter pack's), left out.
add(LISTS, 'alice, 3 pages of 2', [null], (s) => ({ actor: did(s, 'alice'), limit: 2 }), 3)
const LIST = 'app.bsky.graph.getList'
add(LIST, 'friends (curate)', [null, 'alice', 'bob', 'carol'], (s) => ({ list: uri(s, 'friends') }))
add(LIST, 'trolls (blocked by bob)', [null, 'bob'], (s) => ({ list: uri(s, 'trolls') }))
add(LIST, 'noisy (muted by bob)', ['bob'], (s) => ({ list: uri(s, 'noisy') }))
add(LIST, 'starter pack list (gina opted out)', [null, 'alice', 'gina', 'bob'], (s) => ({ list: uri(s, 'spList') }))
add(LIST, 'friends, 2 pages of 2', [null], (s) => ({ list: uri(s, 'friends'), limit: 2 }), 2)
add('app.bsky.graph.getListBlocks', 'own', ['bob', 'alice'], () => ({}))
add('app.bsky.graph.getListMutes', 'own', ['bob', 'alice'], () => ({}))
const STARTER_PACK = 'app.bsky.graph.getStarterPack'
add(STARTER_PACK, 'magpie starters', [null, 'alice', 'bob', 'gina'], (s) => ({ starterPack: uri(s, 'starterpack') }))
add('app.bsky.graph.getStarterPacks', 'magpie starters', [null], (s) => ({ uris: [uri(s, 'starterpack')] }))
const ACTOR_STARTER_PACKS = 'app.bsky.graph.getActorStarterPacks'
add(ACTOR_STARTER_PACKS, 'alice', [null, 'bob'], (s) => ({ actor: did(s, 'alice') }))
const RELATIONSHIPS = 'app.bsky.graph.getRelationships'
const others = (s: Scenario, ...names: AccountName[]) => [...names.map((n) => did(s, n)), UNKNOWN_DID]
add(RELATIONSHIPS, 'alice and everyone', [null], (s) => ({ actor: did(s, 'alice'), others: others(s, 'bob', 'carol', 'dan', 'eve', 'gina', 'hank', 'ivan') }))
add(RELATIONSHIPS, 'bob and everyone', [null, 'bob'], (s) => ({ actor: did(s, 'bob'), others: others(s, 'alice', 'dan', 'eve', 'frank') }))
add(RELATIONSHIPS, 'by handle', [null], () => ({ actor: 'alice.test', others: ['bob.test', 'regina.test'] }))

// app.bsky.labeler
const SERVICES = 'app.bsky.labeler.getServices'
add(SERVICES, 'labby and the moderation service', [null, 'bob'], (s) => ({ dids: [did(s, 'labby'), s.modServiceDid, did(s, 'alice')] }))
add(SERVICES, 'labby detailed', [null, 'bob'], (s) => ({ dids: [did(s, 'labby')], detailed: true }))

// app.bsky.unspecced
const THREAD_V2 = 'app.bsky.unspecced.getPostThreadV2'
const anchor = (ref: string, extra: Params = {}) => (s: Scenario) => ({ anchor: uri(s, ref), ...extra })
add(THREAD_V2, 'a1 (deep, gated, hidden reply)', [null, 'alice', 'bob', 'carol', 'dan', 'eve', 'gina'], anchor('a1'))
add(THREAD_V2, 'a1 newest', [null, 'bob'], anchor('a1', { sort: 'newest' }))
add(THREAD_V2, 'a1 top', [null, 'alice'], anchor('a1', { sort: 'top' }))
add(THREAD_V2, 'a1 below 2, branchingFactor 1', [null], anchor('a1', { below: 2, branchingFactor: 1 }))
add(THREAD_V2, 'a1 below 0', [null], anchor('a1', { below: 0 }))
add(THREAD_V2, 'r5 (deepest reply)', [null, 'bob'], anchor('r5'))
add(THREAD_V2, 'r5 without parents', [null], anchor('r5', { above: false }))
add(THREAD_V2, 'r2 (in the middle)', [null, 'alice'], anchor('r2', { below: 1 }))
add(THREAD_V2, 'rc (reply by carol)', [null, 'alice'], anchor('rc'))
add(THREAD_V2, 're (hidden reply)', [null, 'eve'], anchor('re'))
add(THREAD_V2, 'p2 (followers only)', [null, 'alice', 'frank'], anchor('p2'))
add(THREAD_V2, 'p2:frank (disallowed reply)', [null], anchor('p2:frank'))
add(THREAD_V2, 'p4 (mention or list)', [null, 'bob'], anchor('p4'))
add(THREAD_V2, 'p6 (nobody)', [null], anchor('p6'))
add(THREAD_V2, 'a3 (thread muted by bob)', ['bob'], anchor('a3'))
add(THREAD_V2, 'ab2 (parent deleted)', [null], anchor('ab2'))
add(THREAD_V2, 'g1 (deleted)', [null], anchor('g1'))
add(THREAD_V2, 'd1 (author blocks viewer)', ['alice'], anchor('d1'))
add(THREAD_V2, 'h1 (author deactivated)', [null], anchor('h1'))
add(THREAD_V2, 'i1 (author taken down)', [null], anchor('i1'))
add(THREAD_V2, 'a feed generator URI', [null], anchor('feed'))
add(THREAD_V2, 't (OP line, ranked replies)', [null, 'alice', 'bob', 'carol', 'dan', 'eve', 'frank', 'gina', 'labby'], anchor('t'))
add(THREAD_V2, 't newest', [null, 'alice'], anchor('t', { sort: 'newest' }))
add(THREAD_V2, 't top', [null, 'bob', 'labby'], anchor('t', { sort: 'top' }))
add(THREAD_V2, 't an unknown sort', [null], anchor('t', { sort: 'random' }))
add(THREAD_V2, 't branchingFactor 1', [null, 'bob'], anchor('t', { branchingFactor: 1 }))
add(THREAD_V2, 't branchingFactor 0, top', [null], anchor('t', { branchingFactor: 0, sort: 'top' }))
add(THREAD_V2, 't below 1', [null], anchor('t', { below: 1 }))
add(THREAD_V2, 't2 (end of the OP line)', [null, 'gina'], anchor('t2'))
add(THREAD_V2, 'tg (a reply with replies)', [null, 'bob', 'labby'], anchor('tg'))
add(THREAD_V2, 'tge (a reply to a reply)', [null, 'eve'], anchor('tge', { above: false }))
add(THREAD_V2, 'td (hidden, by someone blocking alice)', [null, 'alice', 'dan'], anchor('td'))
const THREAD_OTHER = 'app.bsky.unspecced.getPostThreadOtherV2'
add(THREAD_OTHER, 'a1', [null, 'alice', 'bob', 'eve'], anchor('a1'))
add(THREAD_OTHER, 't', [null, 'alice', 'bob', 'dan', 'labby'], anchor('t'))
add(THREAD_OTHER, 'tg (a reply muted by bob below)', [null, 'bob'], anchor('tg'))
add(THREAD_OTHER, 'g1 (deleted)', [null], anchor('g1'))
add(THREAD_OTHER, 'd1 (author blocks viewer)', ['alice'], anchor('d1'))

// app.bsky.notification
const NOTIFICATIONS = 'app.bsky.notification.listNotifications'
add(NOTIFICATIONS, 'own', ['alice', 'bob', 'carol', 'dan', 'eve', 'frank', 'gina', 'labby'], () => ({}))
add(NOTIFICATIONS, 'anonymous', [null], () => ({}))
add(NOTIFICATIONS, 'own, 4 pages of 5', ['alice'], () => ({ limit: 5 }), 4)
add(NOTIFICATIONS, 'likes and reposts', ['alice', 'bob'], () => ({ reasons: ['like', 'repost'] }))
add(NOTIFICATIONS, 'replies', ['alice', 'bob'], () => ({ reasons: ['reply'] }))
add(NOTIFICATIONS, 'mentions, quotes, via reposts', ['alice', 'bob', 'gina'], () => ({ reasons: ['mention', 'quote', 'like-via-repost', 'repost-via-repost'] }))
add(NOTIFICATIONS, 'follows, joins and verifications', ['alice', 'bob'], () => ({ reasons: ['follow', 'starterpack-joined', 'verified'] }))
add(NOTIFICATIONS, 'withdrawn verifications', ['alice'], () => ({ reasons: ['unverified'] }))
add(NOTIFICATIONS, 'priority', ['alice', 'bob'], () => ({ priority: true }))
add(NOTIFICATIONS, 'seenAt is refused', ['alice'], () => ({ seenAt: '2024-01-01T00:00:00.000Z' }))
const UNREAD = 'app.bsky.notification.getUnreadCount'
add(UNREAD, 'own', ['alice', 'bob', 'gina', 'labby'], () => ({}))
// No priority case: the reference's unread count ignores `priority` (its count query has no such
// filter), while Magpie counts only followed accounts' notifications then, as SPEC §4 asks;
// test/integration/api-notifications.test.ts covers it.
add(UNREAD, 'anonymous', [null], () => ({}))
add('app.bsky.notification.getPreferences', 'own', ['alice', 'bob'], () => ({}))
const SUBSCRIPTIONS = 'app.bsky.notification.listActivitySubscriptions'
add(SUBSCRIPTIONS, 'own', ['alice', 'bob', 'gina', 'carol'], () => ({}))
add(SUBSCRIPTIONS, 'own, 2 pages of 1', ['bob'], () => ({ limit: 1 }), 2)
add(SUBSCRIPTIONS, 'anonymous', [null], () => ({}))

// The membership dialogs (add to list, add to starter pack) and starter pack search.
const LISTS_WITH_MEMBERSHIP = 'app.bsky.graph.getListsWithMembership'
add(LISTS_WITH_MEMBERSHIP, 'bob', ['alice', 'bob'], (s) => ({ actor: did(s, 'bob') }))
add(LISTS_WITH_MEMBERSHIP, 'frank, modlists', ['alice'], (s) => ({ actor: did(s, 'frank'), purposes: ['modlist'] }))
add(LISTS_WITH_MEMBERSHIP, 'gina, curatelists', ['alice'], () => ({ actor: 'regina.test', purposes: ['curatelist'] }))
add(LISTS_WITH_MEMBERSHIP, 'eve, 2 pages of 2', ['alice'], (s) => ({ actor: did(s, 'eve'), limit: 2 }), 2)
add(LISTS_WITH_MEMBERSHIP, 'an unknown DID', ['alice'], () => ({ actor: UNKNOWN_DID }))
add(LISTS_WITH_MEMBERSHIP, 'bob, anonymous', [null], (s) => ({ actor: did(s, 'bob') }))
const PACKS_WITH_MEMBERSHIP = 'app.bsky.graph.getStarterPacksWithMembership'
add(PACKS_WITH_MEMBERSHIP, 'bob', ['alice', 'bob'], (s) => ({ actor: did(s, 'bob') }))
add(PACKS_WITH_MEMBERSHIP, 'gina (opted out)', ['alice'], (s) => ({ actor: did(s, 'gina') }))
add(PACKS_WITH_MEMBERSHIP, 'carol', ['alice'], (s) => ({ actor: did(s, 'carol') }))
add(PACKS_WITH_MEMBERSHIP, 'bob, anonymous', [null], (s) => ({ actor: did(s, 'bob') }))
// Without a search service the reference matches pack names by substring: whole words here.
for (const nsid of ['app.bsky.graph.searchStarterPacks', 'app.bsky.graph.searchStarterPacksV2']) {
  add(nsid, '"magpie"', [null, 'bob', 'alice'], () => ({ q: 'magpie' }))
  add(nsid, '"zzzz" (none)', [null], () => ({ q: 'zzzz' }))
}

// app.bsky.embed: a link card from standard.site records; the scenario has none, so both answer
// an empty card for records of other kinds and for records that do not exist.
add('app.bsky.embed.getEmbedExternalView', 'no standard.site records', [null, 'bob'], (s) => ({
  url: 'https://example.com/parity',
  uris: [uri(s, 'a1'), `at://${did(s, 'alice')}/site.standard.document/missing`],
}))

// app.bsky.bookmark
const BOOKMARKS = 'app.bsky.bookmark.getBookmarks'
add(BOOKMARKS, 'own', ['alice', 'bob', 'carol'], () => ({}))
add(BOOKMARKS, 'own, 2 pages of 1', ['bob'], () => ({ limit: 1 }), 2)
add(BOOKMARKS, 'anonymous', [null], () => ({}))

// app.bsky.draft (private): draft ids and times are each AppView's own (see normalize.ts).
const DRAFTS = 'app.bsky.draft.getDrafts'
add(DRAFTS, 'own', ['alice', 'bob', 'carol'], () => ({}))
add(DRAFTS, 'own, 2 pages of 1', ['alice'], () => ({ limit: 1 }), 2)
add(DRAFTS, 'anonymous', [null], () => ({}))

export const CASES: readonly ParityCase[] = cases

// Names are test names and report keys: a duplicate would hide a case.
const seen = new Set<string>()
for (const c of cases) {
  if (seen.has(c.name)) throw new Error(`duplicate parity case name: ${c.name}`)
  seen.add(c.name)
}

const CLOSED_SUGGESTIONS = "the reference asks Bluesky's suggestion service, which dev-env does not run (it answers 501 MethodNotImplemented); Magpie computes suggestions from its own indices (test/integration/api-discover.test.ts)"
const CLOSED_TOPICS = "the reference asks Bluesky's topics service, which dev-env does not run (it answers 501 MethodNotImplemented); Magpie computes these from its own indices (test/integration/api-discover.test.ts)"
const CLOSED_CONTACTS = "the reference asks Bluesky's contact service (phone numbers), which dev-env does not run; Magpie holds no phone numbers and says so (src/api/no-contacts.ts)"
const CLOSED_AGE_CHECK = "the reference hands the flow to an age-verification provider, which dev-env does not run (501); Magpie's policy needs none"
const PRIVATE_WRITE_BY_ID = "its input names a draft by the id each AppView gave it, which differs between them; getDrafts cases compare the drafts"
const NO_APPVIEW_STATE = 'the reference stores it for its push gateway and answers nothing; Magpie stores it (no push gateway) and answers nothing: there is no answer to compare beyond the status (test/integration/api-private-state.test.ts)'

/**
 * The app.bsky methods Magpie serves that no case above compares, each with why (a parity test
 * fails when a served method is in neither, or in both). Procedures the scenario sends to both
 * AppViews as private actions (mutes, bookmarks, drafts, subscriptions…) need no entry: what
 * they stored shows in the cases' answers.
 */
export const NOT_COMPARED: Readonly<Record<string, string>> = {
  'app.bsky.feed.searchPosts': 'the reference without a search service matches post text by substring, newest first; Magpie ranks full-text matches (test/integration/api-search.test.ts)',
  'app.bsky.feed.searchPostsV2': 'as searchPosts',
  'app.bsky.feed.describeFeedGenerator': "describes Magpie's own feed generator service, which the reference does not host",
  'app.bsky.feed.getFeedSkeleton': "served by Magpie's own feed generators, which the reference does not host",
  'app.bsky.feed.getFeed': 'its answer is whatever the feed generator returns; dev-env runs generators for the reference only (test/integration/api-get-feed.test.ts)',
  'app.bsky.actor.getSuggestions': CLOSED_SUGGESTIONS,
  'app.bsky.graph.getSuggestedFollowsByActor': CLOSED_SUGGESTIONS,
  'app.bsky.unspecced.getSuggestedUsers': CLOSED_SUGGESTIONS,
  'app.bsky.unspecced.getSuggestedUsersForDiscover': CLOSED_SUGGESTIONS,
  'app.bsky.unspecced.getSuggestedUsersForExplore': CLOSED_SUGGESTIONS,
  'app.bsky.unspecced.getSuggestedUsersForSeeMore': CLOSED_SUGGESTIONS,
  'app.bsky.unspecced.getSuggestedOnboardingUsers': CLOSED_SUGGESTIONS,
  'app.bsky.unspecced.getSuggestedStarterPacks': CLOSED_TOPICS,
  'app.bsky.unspecced.getOnboardingSuggestedStarterPacks': CLOSED_TOPICS,
  'app.bsky.unspecced.getSuggestedFeeds': CLOSED_TOPICS,
  'app.bsky.unspecced.getTrends': CLOSED_TOPICS,
  'app.bsky.unspecced.getTrendingTopics': CLOSED_TOPICS,
  'app.bsky.feed.getSuggestedFeeds': "the reference reads a hand-curated table that dev-env leaves empty; Magpie ranks feeds by likes (test/integration/api-discover.test.ts)",
  'app.bsky.unspecced.getPopularFeedGenerators': "without a query the reference lists the same hand-curated table as feed.getSuggestedFeeds (empty in dev-env); Magpie ranks feeds by likes (test/integration/api-discover.test.ts)",
  'app.bsky.unspecced.getTaggedSuggestions': "the reference reads a hand-curated table that dev-env leaves empty; Magpie tags the accounts of trending topics (test/integration/api-discover.test.ts)",
  'app.bsky.unspecced.getConfig': "the reference answers its operator's configuration (trending off, no live-now list in dev-env); Magpie answers from its own state, as issue 19 decides: topics on when trending is configured, live-now from actor.status records (test/integration/client-surface.test.ts)",
  'app.bsky.ageassurance.getConfig': "the reference answers Bluesky's regional age-assurance rules; Magpie's policy is its operator's, by default none (docs, test/integration/client-surface.test.ts)",
  'app.bsky.ageassurance.getState': 'follows the policy: the reference says "unknown" pending its provider, Magpie (no check required by default) says access is full',
  'app.bsky.unspecced.getAgeAssuranceState': 'as ageassurance.getState',
  'app.bsky.ageassurance.begin': CLOSED_AGE_CHECK,
  'app.bsky.unspecced.initAgeAssurance': CLOSED_AGE_CHECK,
  'app.bsky.contact.getMatches': CLOSED_CONTACTS,
  'app.bsky.contact.getSyncStatus': CLOSED_CONTACTS,
  'app.bsky.contact.dismissMatch': CLOSED_CONTACTS,
  'app.bsky.contact.importContacts': CLOSED_CONTACTS,
  'app.bsky.contact.removeData': CLOSED_CONTACTS,
  'app.bsky.contact.sendNotification': CLOSED_CONTACTS,
  'app.bsky.contact.startPhoneVerification': CLOSED_CONTACTS,
  'app.bsky.contact.verifyPhone': CLOSED_CONTACTS,
  'app.bsky.draft.updateDraft': PRIVATE_WRITE_BY_ID,
  'app.bsky.draft.deleteDraft': PRIVATE_WRITE_BY_ID,
  'app.bsky.notification.registerPush': NO_APPVIEW_STATE,
  'app.bsky.notification.unregisterPush': NO_APPVIEW_STATE,
  'app.bsky.notification.putPreferences': 'the legacy priority switch; putPreferencesV2 is sent by the scenario and getPreferences compared',
  'app.bsky.graph.unmuteActor': 'the scenario keeps its mutes (each unmute would leave nothing to compare); test/integration/api-private-state.test.ts covers unmuting',
  'app.bsky.graph.unmuteActorList': 'as unmuteActor',
  'app.bsky.graph.unmuteThread': 'as unmuteActor',
  'app.bsky.bookmark.deleteBookmark': 'as unmuteActor (test/integration/api-bookmarks.test.ts)',
}
