import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { lexicons } from '@atproto/api'
import { XRPCError } from '@atproto/xrpc'
import type { DevAccount, DevNetwork } from '#devnet/network.js'
import { methods } from '#/api/index.js'
import { publishFeeds } from '#/feeds/publish.js'
import { publishableFeed } from '#/feeds/specs.js'
import { createRecord, startMagpieApi, until, type MagpieApi } from '../helpers/magpie-api.js'

/**
 * Every app.bsky method Magpie serves, called the way the Bluesky app calls it: through the
 * public @atproto/api client, logged in at the reader's PDS, which names Magpie as its AppView
 * and passes the calls on. Each answer must be lexicon-valid (the client checks too, and throws
 * on an invalid one) and never a 501; where the seeded network decides what an answer holds,
 * the call checks that as well.
 *
 * The calls are a table, run in order (a procedure's effect is read back by the calls after it);
 * a served method with no row fails the first test, so a new method joins this surface.
 */

let api: MagpieApi
let net: DevNetwork
const NAMES = ['rita', 'alice', 'bob', 'carol'] as const
const acct = {} as Record<(typeof NAMES)[number], DevAccount>
type Ref = { uri: string; cid: string }

/** What the seeded network made, and what the calls learn along the way (a draft's id). */
interface World {
  apples: Ref
  reply: Ref
  ritaPost: Ref
  list: Ref
  starterPack: Ref
  feed: string
  /** standard.site: alice's publication and an article in it, bob's article on a site of his own, carol's article claiming a publication nobody has. */
  publication: Ref
  article: Ref
  looseArticle: Ref
  orphanArticle: Ref
  draftId?: string
}
const w = {} as World

const now = () => new Date().toISOString()

/**
 * Alice posts about apples (#orchard) and publishes Magpie's what's-hot feed; bob replies, reposts
 * and quotes her; rita (the reader) follows alice, likes the apples post, and keeps a list of
 * bob; alice's starter pack names carol; bob and alice follow and like rita, for her notifications.
 */
before(async () => {
  api = await startMagpieApi('client-surface', { FEED_CACHE_MS: '0' }, { pdsAppView: true })
  ;({ net } = api)
  const created = await Promise.all(NAMES.map((name) => net.createAccount(name)))
  NAMES.forEach((name, i) => (acct[name] = created[i]!))
  const { rita, alice, bob, carol } = acct
  for (const [who, name] of [[rita, 'Rita'], [alice, 'Alice Orchard'], [bob, 'Bob'], [carol, 'Carol']] as const)
    await createRecord(who.agent, 'app.bsky.actor.profile', { displayName: name, description: `${name} grows apples` }, 'self')
  const [feed] = await publishFeeds({
    pds: net.pdsUrl,
    identifier: alice.handle,
    password: alice.password,
    serviceDid: api.serviceDid,
    feeds: [publishableFeed('whats-hot')!],
  })
  w.feed = feed!
  w.apples = await createRecord(alice.agent, 'app.bsky.feed.post', { text: 'the orchard apples are ripe', tags: ['orchard'], langs: ['en'], createdAt: now() })
  w.ritaPost = await createRecord(rita.agent, 'app.bsky.feed.post', { text: 'hello from rita', langs: ['en'], createdAt: now() })
  w.reply = await createRecord(bob.agent, 'app.bsky.feed.post', { text: 'save me a basket', reply: { root: w.apples, parent: w.apples }, createdAt: now() })
  await createRecord(bob.agent, 'app.bsky.feed.repost', { subject: w.apples, createdAt: now() })
  await createRecord(bob.agent, 'app.bsky.feed.post', { text: 'look at these', embed: { $type: 'app.bsky.embed.record', record: w.apples }, createdAt: now() })
  await createRecord(rita.agent, 'app.bsky.graph.follow', { subject: alice.did, createdAt: now() })
  await createRecord(bob.agent, 'app.bsky.graph.follow', { subject: rita.did, createdAt: now() })
  await createRecord(alice.agent, 'app.bsky.feed.like', { subject: w.ritaPost, createdAt: now() })
  await createRecord(rita.agent, 'app.bsky.feed.like', { subject: w.apples, createdAt: now() })
  w.list = await createRecord(rita.agent, 'app.bsky.graph.list', { purpose: 'app.bsky.graph.defs#curatelist', name: 'Friends', createdAt: now() })
  await createRecord(rita.agent, 'app.bsky.graph.listitem', { subject: bob.did, list: w.list.uri, createdAt: now() })
  const packList = await createRecord(alice.agent, 'app.bsky.graph.list', { purpose: 'app.bsky.graph.defs#referencelist', name: 'Orchard folk', createdAt: now() })
  await createRecord(alice.agent, 'app.bsky.graph.listitem', { subject: carol.did, list: packList.uri, createdAt: now() })
  w.publication = await createRecord(alice.agent, 'site.standard.publication', { url: 'https://orchard.example/blog', name: 'Orchard Notes', description: 'Notes from the orchard' })
  w.article = await createRecord(alice.agent, 'site.standard.document', {
    site: w.publication.uri,
    path: '/apples',
    title: 'Ripe apples',
    description: 'When to pick them',
    textContent: 'apple '.repeat(450),
    publishedAt: '2025-09-01T10:00:00.000Z',
  })
  w.looseArticle = await createRecord(bob.agent, 'site.standard.document', { site: 'https://bob.example', path: 'post-1', title: 'Bob writes', publishedAt: now() })
  w.orphanArticle = await createRecord(carol.agent, 'site.standard.document', {
    site: `at://${carol.did}/site.standard.publication/gone`,
    path: '/x',
    title: 'Orphan',
    publishedAt: now(),
  })
  w.starterPack = await createRecord(alice.agent, 'app.bsky.graph.starterpack', { name: 'Orchard folk', list: packList.uri, feeds: [{ uri: w.feed }], createdAt: now() })
  // Every repo's records, not only the last one written (repos are ingested in parallel).
  await api.caughtUp()
  await until('starter pack ingested', () => api.xrpc('app.bsky.graph.getStarterPack', { starterPack: w.starterPack.uri }), (a) => a.status === 200, 30_000)
  await until('apples searchable', () => api.xrpc('app.bsky.feed.searchPosts', { q: 'orchard' }), (a) => a.body.posts?.some((p: any) => p.uri === w.apples.uri), 30_000)
})

after(() => api.close())

/** One method's call: its params (queries) or input (procedures), and what its answer shows. */
interface Call {
  params?: () => Record<string, unknown>
  input?: () => unknown
  /** Checks what the seeded network decides about the answer; may note what later calls need. */
  shows?: (body: any) => void
  /** The lexicon error the method answers by design instead (contact import: Magpie holds no phone numbers). */
  refusal?: string
}

const uris = (items: { uri: string }[]) => items.map((i) => i.uri)
const dids = (items: { did: string }[]) => items.map((i) => i.did)
const includes = (list: string[], item: string, what: string) => assert.ok(list.includes(item), `${what}: ${item} in ${JSON.stringify(list)}`)
const draft = (text: string) => ({ posts: [{ text }], langs: ['en'] })
const push = () => ({ serviceDid: api.serviceDid, token: 'device-token-1', platform: 'web', appId: 'xyz.blueskyweb.app' })
const assurance = () => ({ email: 'rita@magpie.invalid', language: 'en', countryCode: 'US' })
const phoneRefusal = 'InvalidRequest'
const CARD = 'app.bsky.embed.getEmbedExternalView'
const ARTICLE_URL = 'https://orchard.example/blog/apples'

const calls: [string, Call][] = [
  ['app.bsky.actor.getProfile', { params: () => ({ actor: acct.alice.handle }), shows: (b) => assert.equal(b.displayName, 'Alice Orchard') }],
  ['app.bsky.actor.getProfiles', { params: () => ({ actors: [acct.alice.did, acct.bob.did] }), shows: (b) => assert.deepEqual(dids(b.profiles), [acct.alice.did, acct.bob.did]) }],
  ['app.bsky.actor.searchActors', { params: () => ({ q: 'alice' }), shows: (b) => includes(dids(b.actors), acct.alice.did, 'search') }],
  ['app.bsky.actor.searchActorsTypeahead', { params: () => ({ q: 'ali' }), shows: (b) => includes(dids(b.actors), acct.alice.did, 'typeahead') }],
  ['app.bsky.actor.getSuggestions', { params: () => ({ limit: 10 }) }],
  ['app.bsky.feed.getTimeline', { params: () => ({ limit: 20 }), shows: (b) => includes(b.feed.map((f: any) => f.post.uri), w.apples.uri, 'timeline') }],
  ['app.bsky.feed.getAuthorFeed', { params: () => ({ actor: acct.alice.did }), shows: (b) => includes(b.feed.map((f: any) => f.post.uri), w.apples.uri, 'author feed') }],
  ['app.bsky.feed.getActorLikes', { params: () => ({ actor: acct.rita.did }), shows: (b) => includes(b.feed.map((f: any) => f.post.uri), w.apples.uri, 'likes') }],
  ['app.bsky.feed.getPosts', { params: () => ({ uris: [w.apples.uri, w.reply.uri] }), shows: (b) => assert.deepEqual(uris(b.posts), [w.apples.uri, w.reply.uri]) }],
  ['app.bsky.feed.getPostThread', { params: () => ({ uri: w.apples.uri }), shows: (b) => includes(b.thread.replies.map((r: any) => r.post.uri), w.reply.uri, 'replies') }],
  ['app.bsky.unspecced.getPostThreadV2', { params: () => ({ anchor: w.apples.uri }), shows: (b) => includes(b.thread.map((i: any) => i.uri), w.reply.uri, 'thread') }],
  ['app.bsky.unspecced.getPostThreadOtherV2', { params: () => ({ anchor: w.apples.uri }) }],
  ['app.bsky.feed.getLikes', { params: () => ({ uri: w.apples.uri }), shows: (b) => assert.deepEqual(b.likes.map((l: any) => l.actor.did), [acct.rita.did]) }],
  ['app.bsky.feed.getRepostedBy', { params: () => ({ uri: w.apples.uri }), shows: (b) => assert.deepEqual(dids(b.repostedBy), [acct.bob.did]) }],
  ['app.bsky.feed.getQuotes', { params: () => ({ uri: w.apples.uri }), shows: (b) => assert.equal(b.posts.length, 1) }],
  ['app.bsky.feed.searchPosts', { params: () => ({ q: 'orchard' }), shows: (b) => includes(uris(b.posts), w.apples.uri, 'search') }],
  ['app.bsky.feed.searchPostsV2', { params: () => ({ query: 'orchard' }), shows: (b) => includes(uris(b.posts), w.apples.uri, 'search') }],
  ['app.bsky.feed.describeFeedGenerator', { shows: (b) => includes(uris(b.feeds), w.feed, 'published feeds') }],
  ['app.bsky.feed.getFeedGenerator', { params: () => ({ feed: w.feed }), shows: (b) => assert.equal(b.view.uri, w.feed) }],
  ['app.bsky.feed.getFeedGenerators', { params: () => ({ feeds: [w.feed] }), shows: (b) => assert.deepEqual(uris(b.feeds), [w.feed]) }],
  ['app.bsky.feed.getActorFeeds', { params: () => ({ actor: acct.alice.did }), shows: (b) => assert.deepEqual(uris(b.feeds), [w.feed]) }],
  ['app.bsky.feed.getFeed', { params: () => ({ feed: w.feed }) }],
  ['app.bsky.feed.getFeedSkeleton', { params: () => ({ feed: w.feed }) }],
  ['app.bsky.feed.getSuggestedFeeds', { params: () => ({ limit: 10 }) }],
  ['app.bsky.feed.getListFeed', { params: () => ({ list: w.list.uri }), shows: (b) => includes(b.feed.map((f: any) => f.post.uri), w.reply.uri, 'list feed') }],
  ['app.bsky.graph.getFollows', { params: () => ({ actor: acct.rita.did }), shows: (b) => assert.deepEqual(dids(b.follows), [acct.alice.did]) }],
  ['app.bsky.graph.getFollowers', { params: () => ({ actor: acct.rita.did }), shows: (b) => assert.deepEqual(dids(b.followers), [acct.bob.did]) }],
  ['app.bsky.graph.getKnownFollowers', { params: () => ({ actor: acct.alice.did }) }],
  ['app.bsky.graph.getRelationships', { params: () => ({ actor: acct.rita.did, others: [acct.alice.did] }), shows: (b) => assert.ok(b.relationships[0].following) }],
  ['app.bsky.graph.getSuggestedFollowsByActor', { params: () => ({ actor: acct.alice.did }) }],
  ['app.bsky.graph.getList', { params: () => ({ list: w.list.uri }), shows: (b) => assert.deepEqual(b.items.map((i: any) => i.subject.did), [acct.bob.did]) }],
  ['app.bsky.graph.getLists', { params: () => ({ actor: acct.rita.did }), shows: (b) => assert.deepEqual(uris(b.lists), [w.list.uri]) }],
  ['app.bsky.graph.getListsWithMembership', { params: () => ({ actor: acct.bob.did }), shows: (b) => assert.ok(b.listsWithMembership[0].listItem, 'bob is on the list') }],
  ['app.bsky.graph.getStarterPack', { params: () => ({ starterPack: w.starterPack.uri }), shows: (b) => assert.equal(b.starterPack.uri, w.starterPack.uri) }],
  ['app.bsky.graph.getStarterPacks', { params: () => ({ uris: [w.starterPack.uri] }), shows: (b) => assert.deepEqual(uris(b.starterPacks), [w.starterPack.uri]) }],
  ['app.bsky.graph.getActorStarterPacks', { params: () => ({ actor: acct.alice.did }), shows: (b) => assert.deepEqual(uris(b.starterPacks), [w.starterPack.uri]) }],
  ['app.bsky.graph.getStarterPacksWithMembership', { params: () => ({ actor: acct.carol.did }) }],
  ['app.bsky.graph.searchStarterPacks', { params: () => ({ q: 'orchard' }), shows: (b) => assert.deepEqual(uris(b.starterPacks), [w.starterPack.uri]) }],
  ['app.bsky.graph.searchStarterPacksV2', { params: () => ({ q: 'orchard' }), shows: (b) => assert.deepEqual(uris(b.starterPacks), [w.starterPack.uri]) }],
  ['app.bsky.graph.getBlocks', {}],
  ['app.bsky.graph.getListBlocks', {}],
  ['app.bsky.graph.muteActor', { input: () => ({ actor: acct.carol.did }) }],
  ['app.bsky.graph.getMutes', { shows: (b) => assert.deepEqual(dids(b.mutes), [acct.carol.did]) }],
  ['app.bsky.graph.unmuteActor', { input: () => ({ actor: acct.carol.did }) }],
  ['app.bsky.graph.muteActorList', { input: () => ({ list: w.list.uri }) }],
  ['app.bsky.graph.getListMutes', { shows: (b) => assert.deepEqual(uris(b.lists), [w.list.uri]) }],
  ['app.bsky.graph.unmuteActorList', { input: () => ({ list: w.list.uri }) }],
  ['app.bsky.graph.muteThread', { input: () => ({ root: w.apples.uri }) }],
  ['app.bsky.graph.unmuteThread', { input: () => ({ root: w.apples.uri }) }],
  ['app.bsky.bookmark.createBookmark', { input: () => ({ uri: w.apples.uri, cid: w.apples.cid }) }],
  ['app.bsky.bookmark.getBookmarks', { shows: (b) => assert.deepEqual(b.bookmarks.map((x: any) => x.subject.uri), [w.apples.uri]) }],
  ['app.bsky.bookmark.deleteBookmark', { input: () => ({ uri: w.apples.uri }) }],
  ['app.bsky.labeler.getServices', { params: () => ({ dids: [acct.alice.did] }), shows: (b) => assert.deepEqual(b.views, []) }],
  ['app.bsky.notification.listNotifications', { shows: (b) => assert.deepEqual(b.notifications.map((n: any) => n.reason).sort(), ['follow', 'like']) }],
  ['app.bsky.notification.getUnreadCount', { shows: (b) => assert.equal(b.count, 2) }],
  ['app.bsky.notification.updateSeen', { input: () => ({ seenAt: now() }) }],
  ['app.bsky.notification.getPreferences', {}],
  ['app.bsky.notification.putPreferences', { input: () => ({ priority: true }) }],
  ['app.bsky.notification.putPreferencesV2', { input: () => ({ reply: { include: 'follows', list: true, push: false } }), shows: (b) => assert.equal(b.preferences.reply.include, 'follows') }],
  ['app.bsky.notification.putActivitySubscription', { input: () => ({ subject: acct.alice.did, activitySubscription: { post: true, reply: false } }) }],
  ['app.bsky.notification.listActivitySubscriptions', { shows: (b) => assert.deepEqual(dids(b.subscriptions), [acct.alice.did]) }],
  ['app.bsky.notification.registerPush', { input: push }],
  ['app.bsky.notification.unregisterPush', { input: push }],
  ['app.bsky.draft.createDraft', { input: () => ({ draft: draft('a first thought') }), shows: (b) => (w.draftId = b.id) }],
  ['app.bsky.draft.updateDraft', { input: () => ({ draft: { id: w.draftId, draft: draft('a second thought') } }) }],
  ['app.bsky.draft.getDrafts', { shows: (b) => assert.deepEqual(b.drafts.map((d: any) => d.draft.posts[0].text), ['a second thought']) }],
  ['app.bsky.draft.deleteDraft', { input: () => ({ id: w.draftId }) }],
  ['app.bsky.ageassurance.getConfig', {}],
  ['app.bsky.ageassurance.getState', { params: () => ({ countryCode: 'US' }) }],
  ['app.bsky.ageassurance.begin', { input: assurance }],
  ['app.bsky.unspecced.getAgeAssuranceState', {}],
  ['app.bsky.unspecced.initAgeAssurance', { input: assurance }],
  ['app.bsky.contact.getSyncStatus', {}],
  ['app.bsky.contact.getMatches', {}],
  ['app.bsky.contact.dismissMatch', { input: () => ({ subject: acct.bob.did }) }],
  ['app.bsky.contact.removeData', { input: () => ({}) }],
  ['app.bsky.contact.startPhoneVerification', { input: () => ({ phone: '+12125550123' }), refusal: phoneRefusal }],
  ['app.bsky.contact.verifyPhone', { input: () => ({ phone: '+12125550123', code: '123456' }), refusal: phoneRefusal }],
  ['app.bsky.contact.importContacts', { input: () => ({ token: 'a-token', contacts: ['+12125550124'] }), refusal: phoneRefusal }],
  ['app.bsky.contact.sendNotification', { input: () => ({ from: acct.rita.did, to: acct.bob.did }), refusal: phoneRefusal }],
  ['app.bsky.unspecced.getConfig', {}],
  ['app.bsky.unspecced.getPopularFeedGenerators', {}],
  ['app.bsky.unspecced.getTrendingTopics', {}],
  ['app.bsky.unspecced.getTrends', {}],
  ['app.bsky.unspecced.getSuggestedFeeds', {}],
  ['app.bsky.unspecced.getSuggestedUsers', {}],
  ['app.bsky.unspecced.getSuggestedUsersForDiscover', {}],
  ['app.bsky.unspecced.getSuggestedUsersForExplore', {}],
  ['app.bsky.unspecced.getSuggestedUsersForSeeMore', {}],
  ['app.bsky.unspecced.getSuggestedOnboardingUsers', {}],
  ['app.bsky.unspecced.getSuggestedStarterPacks', {}],
  ['app.bsky.unspecced.getOnboardingSuggestedStarterPacks', {}],
  ['app.bsky.unspecced.getTaggedSuggestions', {}],
  [CARD, { params: () => ({ url: ARTICLE_URL, uris: [w.article.uri] }), shows: (b) => assert.equal(b.view.external.title, 'Ripe apples') }],
]

test('every served app.bsky method has a call here, and every call is to a served method', () => {
  const served = methods.map((m) => m.nsid).filter((nsid) => nsid.startsWith('app.bsky.'))
  const called = calls.map(([nsid]) => nsid)
  assert.deepEqual(served.filter((nsid) => !called.includes(nsid)), [], 'served methods missing from the surface test')
  assert.deepEqual(called.filter((nsid) => !served.includes(nsid)), [], 'calls to methods Magpie does not serve')
  assert.equal(new Set(called).size, called.length, 'one call per method')
})

describe('through the reader’s PDS with Magpie as its AppView, every served app.bsky method answers', () => {
  for (const [nsid, call] of calls) {
    test(nsid, async () => {
      const def = lexicons.getDefOrThrow(nsid)
      const agent = acct.rita.agent
      const ask = () => agent.call(nsid, call.params?.(), def.type === 'procedure' ? call.input?.() : undefined)
      if (call.refusal) {
        await assert.rejects(ask(), (err: unknown) => {
          assert.ok(err instanceof XRPCError, String(err))
          assert.equal(err.status, 400, `${err.status} ${err.error}: ${err.message}`)
          assert.equal(err.error, call.refusal)
          assert.ok(err.message.length > 0)
          return true
        })
        return
      }
      const res = await ask().catch((err: unknown) => {
        // A failure names the status (a 501 would be a method the PDS could not reach on Magpie).
        throw err instanceof XRPCError ? new Error(`${nsid}: ${err.status} ${err.error}: ${err.message}`) : err
      })
      assert.equal(res.success, true)
      if ((def.type === 'query' || def.type === 'procedure') && def.output?.schema) lexicons.assertValidXrpcOutput(nsid, res.data)
      call.shows?.(res.data)
    })
  }
})

describe('getEmbedExternalView: a link card only from indexed standard.site records that claim the link', () => {
  const card = async (url: string, uris: string[]) => {
    const res = await acct.rita.agent.call(CARD, { url, uris })
    lexicons.assertValidXrpcOutput(CARD, res.data)
    return res.data as any
  }

  test('an article and its publication (found from the article’s site): the card, the records behind it and their owner', async () => {
    const b = await card(ARTICLE_URL, [w.article.uri])
    const ext = b.view.external
    assert.deepEqual(
      { uri: ext.uri, title: ext.title, description: ext.description, createdAt: ext.createdAt, readingTime: ext.readingTime },
      { uri: ARTICLE_URL, title: 'Ripe apples', description: 'When to pick them', createdAt: '2025-09-01T10:00:00.000Z', readingTime: 2 },
    )
    assert.deepEqual(ext.source, { uri: 'https://orchard.example/blog', title: 'Orchard Notes', description: 'Notes from the orchard' })
    assert.deepEqual(b.associatedRefs, [w.article, w.publication])
    assert.deepEqual(ext.associatedRefs, [w.article, w.publication])
    assert.deepEqual(b.associatedRecords.map((r: any) => r.title ?? r.name), ['Ripe apples', 'Orchard Notes'])
    assert.deepEqual(ext.associatedProfiles.map((p: any) => p.did), [acct.alice.did])
  })

  test('the same page written differently (host case, trailing slash, query, fragment) gets the card; another page does not', async () => {
    const same = await card('https://Orchard.EXAMPLE/blog/apples/?utm_source=x#top', [w.article.uri, w.publication.uri])
    assert.equal(same.view.external.title, 'Ripe apples')
    assert.equal(same.view.external.uri, 'https://Orchard.EXAMPLE/blog/apples/?utm_source=x#top')
    assert.deepEqual(await card('https://orchard.example/blog/pears', [w.article.uri]), {})
    assert.deepEqual(await card('https://elsewhere.example/blog/apples', [w.article.uri]), {})
  })

  test('a publication alone is the card for its home page; an article on its own site needs no publication', async () => {
    const home = await card('https://orchard.example/blog', [w.publication.uri])
    assert.equal(home.view.external.title, 'Orchard Notes')
    assert.deepEqual(home.associatedRefs, [w.publication])
    const loose = await card('https://bob.example/post-1', [w.looseArticle.uri])
    assert.equal(loose.view.external.title, 'Bob writes')
    assert.equal(loose.view.external.source, undefined)
    assert.deepEqual(loose.view.external.associatedProfiles.map((p: any) => p.did), [acct.bob.did])
  })

  test('no card from an article whose publication Magpie lacks, from other records, or from records it never saw', async () => {
    assert.deepEqual(await card('https://orchard.example/x', [w.orphanArticle.uri]), {})
    assert.deepEqual(await card(ARTICLE_URL, [w.apples.uri]), {})
    assert.deepEqual(await card(ARTICLE_URL, [`at://${acct.alice.did}/site.standard.document/unknown`]), {})
  })

  test('bad params are a 400 saying which', async () => {
    for (const params of [{ url: 'not a url', uris: [w.article.uri] }, { url: ARTICLE_URL, uris: Array(5).fill(w.article.uri) }, { url: ARTICLE_URL, uris: ['nope'] }]) {
      const res = await api.xrpc(CARD, params)
      assert.equal(res.status, 400, JSON.stringify(res.body))
      assert.equal(res.body.error, 'InvalidRequest')
    }
  })
})
