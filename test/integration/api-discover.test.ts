import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { DevAccount, DevNetwork } from '#devnet/network.js'
import { createRecord, startMagpieApi, until as untilAnswer, type Answer, type MagpieApi } from '../helpers/magpie-api.js'

/**
 * Discovery end to end, on activity written through a real PDS whose right answers are known by
 * construction: a hashtag or a word many accounts start posting now trends, one account
 * repeating one does not; the account most of the viewer's follows follow is suggested first,
 * and those it follows, blocks either way, mutes, or that are deactivated are never suggested;
 * the accounts an actor's followers follow more than everyone are suggested with it; feed
 * generators rank by likes. Every 200 answer is checked against the official lexicon by the harness.
 */

let api: MagpieApi
let net: DevNetwork

const NAMES = [
  'viewer', 'newbie', 'a1', 'a2', 'a3', 'a4', 'pal', 'quip', 'blocked', 'muted', 'gone', 'blocker',
  'actor', 'f1', 'f2', 'f3', 'f4', 'alike', 'star', 'lonely', 'shy',
] as const
/** Handles need a few letters: a1 is `a1-acct.test`. */
const handleOf = (name: string) => (name.length < 4 ? `${name}-acct` : name)
type Named = (typeof NAMES)[number]
const acct = {} as Record<Named, DevAccount>
/** Feed generator URIs by name. */
const feeds: Record<string, string> = {}
/** Starter pack URIs by name. */
const packs: Record<string, string> = {}

const DAY_MS = 24 * 3600_000
const now = () => new Date().toISOString()
const daysAgo = (days: number, minutes = 0) => new Date(Date.now() - days * DAY_MS - minutes * 60_000).toISOString()

before(async () => {
  // Lists are computed on every request: what a test writes is what the next answer shows.
  api = await startMagpieApi('api-discover', { DISCOVERY_CACHE_MS: '0' })
  ;({ net } = api)
  for (const name of NAMES) acct[name] = await net.createAccount(handleOf(name))
  await writeGraph()
  await writeFeeds()
  await writePosts()
  await writeStarterPacks()
  await writeStatuses()
})

after(async () => {
  await api.close()
})

const follow = (from: DevAccount, to: DevAccount) => createRecord(from.agent, 'app.bsky.graph.follow', { subject: to.did, createdAt: now() })
const like = (from: DevAccount, subject: { uri: string; cid: string }) =>
  createRecord(from.agent, 'app.bsky.feed.like', { subject, createdAt: now() })

/**
 * The viewer follows a1–a4. Of the accounts they follow, `pal` is followed by three of them and
 * `quip` by one; `blocked` (the viewer blocks it), `muted` (the viewer mutes it), `gone`
 * (deactivated) and `blocker` (blocks the viewer) by all four; a4, whom the viewer follows, by
 * the other three. `actor`'s followers f1–f4 all follow `alike` (followed by no one else) and
 * `star` (followed by many): star is the most followed account overall. `shy`, followed by
 * a1–a3 like pal, declared it is not to be recommended (contentVisibilityDeclaration).
 */
async function writeGraph() {
  const { viewer, a1, a2, a3, a4, pal, quip, blocked, muted, gone, blocker, actor, f1, f2, f3, f4, alike, star, shy } = acct
  await createRecord(shy.agent, 'app.bsky.actor.contentVisibilityDeclaration', { hideFromAlgorithmicRecommendations: true }, 'self')
  for (const a of [a1, a2, a3]) await follow(a, shy)
  for (const a of [a1, a2, a3, a4]) await follow(viewer, a)
  for (const a of [a1, a2, a3]) await follow(a, pal)
  await follow(a1, quip)
  for (const a of [a1, a2, a3, a4]) for (const to of [blocked, muted, gone, blocker]) await follow(a, to)
  for (const a of [a1, a2, a3]) await follow(a, a4)
  for (const f of [f1, f2, f3, f4]) for (const to of [actor, alike, star]) await follow(f, to)
  for (const other of [pal, quip, blocked, muted, gone]) await follow(other, star)
  await createRecord(viewer.agent, 'app.bsky.graph.block', { subject: blocked.did, createdAt: now() })
  await createRecord(blocker.agent, 'app.bsky.graph.block', { subject: viewer.did, createdAt: now() })
  const muting = await api.call('app.bsky.graph.muteActor', { actor: muted.did }, viewer)
  assert.equal(muting.status, 200)
  await net.deactivate(gone.did)
}

/**
 * Feed generators with known like counts: `mine` (the viewer's own) 5, `walled` (by the account
 * the viewer blocks) 4, `cats` 3 (by the viewer's network), `tunes` 2 (one like the viewer's),
 * `quips` 1, `kittens` none; `shycats` (by `shy`, who is not to be recommended) 2, by a1 and a2.
 */
async function writeFeeds() {
  const { viewer, newbie, a1, a2, a3, a4, pal, quip, blocked, star, f1, shy } = acct
  const gen = async (owner: DevAccount, rkey: string, displayName: string, description: string) => {
    const ref = await createRecord(owner.agent, 'app.bsky.feed.generator', { did: 'did:web:feeds.magpie.test', displayName, description, createdAt: now() }, rkey)
    feeds[rkey] = ref.uri
    return ref
  }
  const mine = await gen(viewer, 'mine', 'My picks', 'What I like')
  const walled = await gen(blocked, 'walled', 'Walled garden', 'Members only')
  const cats = await gen(pal, 'cats', 'Cat pictures', 'Only cats, all day')
  const tunes = await gen(star, 'tunes', 'Tunes', 'Music people share')
  const quips = await gen(quip, 'quips', 'Quips', 'Short jokes')
  await gen(star, 'kittens', 'Kittens', 'Small cats')
  for (const a of [a1, a2, a3, a4, newbie]) await like(a, mine)
  for (const a of [a1, a2, a3, a4]) await like(a, walled)
  for (const a of [a1, a2, a3]) await like(a, cats)
  for (const a of [viewer, f1]) await like(a, tunes)
  await like(a1, quips)
  const shycats = await gen(shy, 'shycats', 'Shy cats', 'Cats that hide')
  for (const a of [a1, a2]) await like(a, shycats)
}

/**
 * Two days ago, five accounts posted #gardening (twice each) and four #steady (four times each,
 * about tomatoes). In the last minutes, six accounts post #sometag, the four #steady (and
 * tomatoes) once each, `quip` posts #spamtag ten times and the word "spamword" ten times, and
 * last five other accounts write about the eclipse, a word and no tag. `shy` and `blocked` post
 * #sometag too, after the others.
 */
async function writePosts() {
  const { a1, a2, a3, a4, f1, f2, f3, f4, pal, quip, newbie, actor, alike, lonely, star, shy, blocked } = acct
  const post = (author: DevAccount, tag: string, createdAt: string, text = `about #${tag}`) =>
    createRecord(author.agent, 'app.bsky.feed.post', { text, ...(tag ? { tags: [tag] } : {}), createdAt })
  for (const [i, a] of [a1, a2, a3, f1, f2].entries()) {
    for (const n of [0, 1]) await post(a, 'gardening', daysAgo(2, i * 10 + n))
  }
  for (const [i, a] of [f3, f4, pal, a4].entries()) {
    for (const n of [0, 1, 2, 3]) await post(a, 'steady', daysAgo(2, i * 10 + n), 'tomatoes again, about #steady')
  }
  for (const a of [a1, a2, a3, f1, f2, f3]) await post(a, 'SomeTag', now())
  for (const a of [f3, f4, pal, a4]) await post(a, 'steady', now(), 'tomatoes again, about #steady')
  for (let n = 0; n < 10; n++) await post(quip, 'spamtag', now())
  for (let n = 0; n < 10; n++) await post(quip, '', now(), `spamword spamword ${n}`)
  const eclipse = ['the eclipse is starting', 'watching the eclipse from the roof', 'eclipse glasses on!', 'clouds hiding the Eclipse', 'what an eclipse']
  for (const [i, a] of [newbie, actor, alike, lonely, star].entries()) await post(a, '', now(), eclipse[i])
  for (const a of [shy, blocked]) await post(a, 'SomeTag', now())
}

/**
 * Starter packs joined through by known numbers of accounts (the joiners' profiles name them):
 * `shy`'s 3, `blocked`'s 2, `pal`'s 1, the viewer's own none.
 */
async function writeStarterPacks() {
  const { viewer, pal, blocked, shy, f1, f2, f3, f4, lonely, alike } = acct
  const pack = async (owner: DevAccount, name: string) => {
    const list = await createRecord(owner.agent, 'app.bsky.graph.list', { purpose: 'app.bsky.graph.defs#referencelist', name, createdAt: now() })
    const ref = await createRecord(owner.agent, 'app.bsky.graph.starterpack', { name, list: list.uri, createdAt: now() })
    packs[name] = ref.uri
    return ref
  }
  const joined = [
    [await pack(shy, 'shy'), [f1, f2, f3]],
    [await pack(blocked, 'walled'), [f4, lonely]],
    [await pack(pal, 'pals'), [alike]],
  ] as const
  await pack(viewer, 'mine')
  for (const [ref, joiners] of joined) {
    for (const a of joiners) await createRecord(a.agent, 'app.bsky.actor.profile', { displayName: a.handle, joinedViaStarterPack: ref, createdAt: now() }, 'self')
  }
}

/** `star` is live now, linking to its stream; `quip` was live for half an hour, two hours ago. */
async function writeStatuses() {
  const { star, quip } = acct
  const status = (a: DevAccount, createdAt: string, durationMinutes: number, uri: string) =>
    createRecord(a.agent, 'app.bsky.actor.status', {
      status: 'app.bsky.actor.status#live',
      embed: { $type: 'app.bsky.embed.external', external: { uri, title: 'Live', description: '' } },
      durationMinutes,
      createdAt,
    }, 'self')
  await status(star, now(), 60, 'https://stream.example.com/star')
  await status(quip, new Date(Date.now() - 2 * 3600_000).toISOString(), 30, 'https://old.example.com/quip')
}

const xrpc = (nsid: string, params: Record<string, string | number>, viewer?: DevAccount) => api.xrpc(nsid, params, viewer)
const until = (what: string, ask: () => Promise<Answer>, ready: (a: Answer) => boolean) => untilAnswer(what, ask, ready, 30_000)
const dids = (views: { did: string }[]) => views.map((v) => v.did)
const uris = (views: { uri: string }[]) => views.map((v) => v.uri)

const allPages = (nsid: string, params: Record<string, string | number>, key: string, viewer?: DevAccount) => api.allPages(nsid, params, key, viewer)

describe('trending topics', () => {
  test('a tag and a word many accounts start posting trend; background ones and one account repeating either do not', async () => {
    const { body } = await until(
      'trending indexed',
      () => xrpc('app.bsky.unspecced.getTrendingTopics', {}),
      (a) => a.body.topics?.[0]?.topic === 'sometag' && a.body.topics?.[1]?.topic === 'eclipse' && a.body.suggested?.length > 0,
    )
    // A hashtag, then a word: the two rankings in turn.
    assert.deepEqual(body.topics.slice(0, 2), [
      { topic: 'sometag', displayName: '#sometag', link: '/hashtag/sometag' },
      { topic: 'eclipse', displayName: 'eclipse', link: '/search?q=eclipse' },
    ])
    const topics = body.topics.map((t: any) => t.topic)
    assert.ok(!topics.includes('spamtag') && !topics.includes('spamword'), 'one account cannot make a tag or a word trend')
    assert.ok(!topics.includes('gardening'), 'a tag only used before the window does not trend')
    assert.ok(!topics.includes('steady') && !topics.includes('tomatoes'), 'a tag or word used as much as before does not trend')
    assert.ok(!topics.includes('about') && !topics.includes('the'), 'function words are not topics')
    // The text of #sometag posts has the word too: it is one topic, the tag.
    assert.equal(topics.filter((t: string) => t === 'sometag').length, 1)
    // Suggested: the tags most accounts used lately, without the trending ones.
    assert.deepEqual(body.suggested.map((t: any) => t.topic), ['gardening', 'steady'])
  })

  test('limit bounds both lists; a viewer gets the same topics', async () => {
    const one = await xrpc('app.bsky.unspecced.getTrendingTopics', { limit: 1 }, acct.viewer)
    assert.equal(one.status, 200)
    assert.deepEqual(one.body.topics.map((t: any) => t.topic), ['sometag'])
    assert.deepEqual(one.body.suggested.map((t: any) => t.topic), ['gardening'])
    const tooMany = await xrpc('app.bsky.unspecced.getTrendingTopics', { limit: 26 })
    assert.equal(tooMany.status, 400)
  })
})

describe('follow suggestions', () => {
  test('getSuggestions: who most of the viewer’s follows follow comes first; followed, blocked, muted, deactivated accounts never', async () => {
    const { viewer, a1, a2, a3, a4, pal, quip, blocked, muted, gone, blocker } = acct
    const { body } = await until(
      'network indexed',
      () => xrpc('app.bsky.actor.getSuggestions', { limit: 100 }, viewer),
      (a) => dids(a.body.actors ?? []).slice(0, 2).join() === [pal.did, quip.did].join() && !dids(a.body.actors).includes(blocker.did),
    )
    const got = dids(body.actors)
    assert.deepEqual(got.slice(0, 2), [pal.did, quip.did])
    // shy is followed by as many of them as pal, but asked not to be recommended.
    for (const hidden of [viewer, a1, a2, a3, a4, blocked, muted, gone, blocker, acct.shy]) {
      assert.ok(!got.includes(hidden.did), `${hidden.handle} is not suggested`)
    }
    // Social proof: the three of the viewer's follows who follow pal.
    const known = body.actors[0].viewer.knownFollowers
    assert.equal(known.count, 3)
    assert.deepEqual(new Set(dids(known.followers)), new Set([a1.did, a2.did, a3.did]))
  })

  test('getSuggestions: pages are stable and together make the one long page', async () => {
    const { viewer } = acct
    const full = (await xrpc('app.bsky.actor.getSuggestions', { limit: 100 }, viewer)).body.actors
    assert.ok(full.length >= 4)
    for (const limit of [1, 3]) {
      const paged = await allPages('app.bsky.actor.getSuggestions', { limit }, 'actors', viewer)
      assert.deepEqual(dids(paged), dids(full), `limit ${limit}`)
    }
    const bad = await xrpc('app.bsky.actor.getSuggestions', { cursor: 'bm90LWEtY3Vyc29y' }, viewer)
    assert.equal(bad.status, 400)
  })

  test('getSuggestions: anonymous viewers and those who follow no one get the most followed accounts', async () => {
    const { newbie, star, gone } = acct
    const anonymous = (await xrpc('app.bsky.actor.getSuggestions', {})).body.actors
    assert.equal(anonymous[0].did, star.did)
    assert.ok(!dids(anonymous).includes(gone.did))
    const fresh = (await xrpc('app.bsky.actor.getSuggestions', {}, newbie)).body.actors
    assert.equal(fresh[0].did, star.did)
    assert.ok(!dids(fresh).includes(newbie.did))
  })

  test('getSuggestedFollowsByActor: what the actor’s followers follow more than everyone comes first', async () => {
    const { actor, alike, star, viewer, f1 } = acct
    const { body } = await until(
      'co-follows indexed',
      () => xrpc('app.bsky.graph.getSuggestedFollowsByActor', { actor: actor.handle }, viewer),
      (a) => a.body.suggestions?.[0]?.did === alike.did,
    )
    assert.equal(body.isFallback, false)
    // Both are followed by all four of actor's followers; star by many others too.
    assert.deepEqual(dids(body.suggestions).slice(0, 2), [alike.did, star.did])
    assert.ok(!dids(body.suggestions).includes(actor.did))
    // f1 follows alike: a viewer following f1 would not be offered f1.
    const asF1 = await xrpc('app.bsky.graph.getSuggestedFollowsByActor', { actor: actor.did }, f1)
    assert.ok(!dids(asF1.body.suggestions).includes(alike.did), 'f1 already follows alike')
    assert.ok(!dids(asF1.body.suggestions).includes(f1.did))
  })

  test('getSuggestedFollowsByActor: blocked and muted accounts are left out; no audience falls back', async () => {
    const { a1, viewer, blocked, muted, lonely, star } = acct
    // a1's one follower is the viewer, whose follows are all left out: the fallback, where blocked and muted rank high.
    const { body } = await xrpc('app.bsky.graph.getSuggestedFollowsByActor', { actor: a1.did }, viewer)
    assert.ok(!dids(body.suggestions).includes(blocked.did) && !dids(body.suggestions).includes(muted.did))
    const none = await xrpc('app.bsky.graph.getSuggestedFollowsByActor', { actor: lonely.did })
    assert.equal(none.body.isFallback, true)
    assert.equal(none.body.suggestions[0].did, star.did)
    const unknown = await xrpc('app.bsky.graph.getSuggestedFollowsByActor', { actor: 'nobody.test' })
    assert.deepEqual(unknown, { status: 400, body: { error: 'InvalidRequest', message: 'Actor not found' } })
  })
})

describe('feed generators', () => {
  test('getPopularFeedGenerators: by likes, then unliked ones; paging is stable', async () => {
    const expected = ['mine', 'walled', 'cats', 'tunes', 'quips', 'kittens'].map((k) => feeds[k])
    const { body } = await until(
      'likes indexed',
      () => xrpc('app.bsky.unspecced.getPopularFeedGenerators', {}),
      (a) => JSON.stringify(uris(a.body.feeds ?? [])) === JSON.stringify(expected),
    )
    assert.deepEqual(body.feeds.map((f: any) => f.likeCount), [5, 4, 3, 2, 1, 0])
    for (const limit of [1, 2, 4]) {
      assert.deepEqual(uris(await allPages('app.bsky.unspecced.getPopularFeedGenerators', { limit }, 'feeds')), expected, `limit ${limit}`)
    }
  })

  test('getPopularFeedGenerators: a viewer does not see the feeds of an account it blocks; query matches words', async () => {
    const { viewer } = acct
    const seen = uris((await xrpc('app.bsky.unspecced.getPopularFeedGenerators', {}, viewer)).body.feeds)
    assert.ok(!seen.includes(feeds.walled!))
    const cat = await xrpc('app.bsky.unspecced.getPopularFeedGenerators', { query: 'cat' })
    // "cat" matches "Cat pictures" and, as a prefix, "cats" in Kittens' description; the liked one first.
    // A search finds the feed of an account that is not to be recommended; the popular list does not show it.
    assert.deepEqual(uris(cat.body.feeds), [feeds.cats, feeds.shycats, feeds.kittens])
    const none = await xrpc('app.bsky.unspecced.getPopularFeedGenerators', { query: 'cat AND (OR' })
    assert.deepEqual(none, { status: 200, body: { feeds: [] } })
  })

  test('getSuggestedFeeds: what the viewer’s follows like first; never its own, ones it likes, or of accounts it blocks', async () => {
    const { viewer } = acct
    const { body } = await until(
      'network likes indexed',
      () => xrpc('app.bsky.feed.getSuggestedFeeds', {}, viewer),
      (a) => uris(a.body.feeds ?? [])[0] === feeds.cats,
    )
    // Liked by a1–a3 and by a1; then the rest by likes; not mine, walled (blocked creator) or tunes (liked).
    assert.deepEqual(uris(body.feeds), [feeds.cats, feeds.quips, feeds.kittens])
    const anonymous = await xrpc('app.bsky.feed.getSuggestedFeeds', { limit: 2 })
    assert.deepEqual(uris(anonymous.body.feeds), [feeds.mine, feeds.walled])
    assert.ok(anonymous.body.cursor)
  })
})

describe('unspecced suggestions, trends and config', () => {
  const SUGGESTED_USERS = [
    'app.bsky.unspecced.getSuggestedUsers',
    'app.bsky.unspecced.getSuggestedUsersForDiscover',
    'app.bsky.unspecced.getSuggestedUsersForExplore',
    'app.bsky.unspecced.getSuggestedUsersForSeeMore',
    'app.bsky.unspecced.getSuggestedOnboardingUsers',
  ]

  test('suggested users: follows of follows first; never followed, blocked, muted, deactivated, opted-out accounts or the viewer', async () => {
    const { viewer, a1, a2, a3, a4, pal, quip, blocked, muted, gone, blocker, shy } = acct
    for (const nsid of SUGGESTED_USERS) {
      const { body } = await until(`${nsid} indexed`, () => xrpc(nsid, {}, viewer), (a) => dids(a.body.actors ?? []).slice(0, 2).join() === [pal.did, quip.did].join())
      const got = dids(body.actors)
      for (const hidden of [viewer, a1, a2, a3, a4, blocked, muted, gone, blocker, shy]) {
        assert.ok(!got.includes(hidden.did), `${nsid}: ${hidden.handle} is not suggested`)
      }
      const two = await xrpc(nsid, { limit: 2 }, viewer)
      assert.deepEqual(dids(two.body.actors), [pal.did, quip.did], `${nsid}: limit`)
      for (const limit of [0, 51]) assert.equal((await xrpc(nsid, { limit }, viewer)).status, 400, `${nsid}: limit ${limit}`)
    }
  })

  test('suggested users: a new account (onboarding) gets the most followed accounts; an opted-out one is never among them', async () => {
    const { newbie, star, shy } = acct
    const { body } = await xrpc('app.bsky.unspecced.getSuggestedOnboardingUsers', { category: 'art' }, newbie)
    assert.equal(body.actors[0].did, star.did)
    assert.ok(!dids(body.actors).includes(shy.did) && !dids(body.actors).includes(newbie.did))
  })

  test('getSuggestedFollowsByActor leaves out an account that asked not to be recommended', async () => {
    const { a4, shy } = acct
    // a4's followers a1–a3 all follow shy, whom nobody else follows: without the declaration shy would come first.
    const { body } = await until('co-follows indexed', () => xrpc('app.bsky.graph.getSuggestedFollowsByActor', { actor: a4.did }), (a) => a.body.suggestions?.[0]?.did === acct.pal.did)
    assert.ok(!dids(body.suggestions).includes(shy.did))
  })

  test('suggested starter packs: by joins; never the viewer’s own, a blocked or an opted-out creator’s', async () => {
    const { viewer } = acct
    const { body } = await until(
      'joins indexed',
      () => xrpc('app.bsky.unspecced.getSuggestedStarterPacks', {}),
      (a) => uris(a.body.starterPacks ?? [])[0] === packs.walled && a.body.starterPacks[0].joinedAllTimeCount === 2,
    )
    // shy's pack has the most joins, but shy is not to be recommended.
    assert.deepEqual(uris(body.starterPacks), [packs.walled, packs.pals, packs.mine])
    for (const nsid of ['app.bsky.unspecced.getSuggestedStarterPacks', 'app.bsky.unspecced.getOnboardingSuggestedStarterPacks']) {
      const mine = await xrpc(nsid, {}, viewer)
      assert.deepEqual(uris(mine.body.starterPacks), [packs.pals], nsid)
      assert.equal((await xrpc(nsid, { limit: 26 })).status, 400)
    }
    assert.deepEqual(uris((await xrpc('app.bsky.unspecced.getSuggestedStarterPacks', { limit: 1 })).body.starterPacks), [packs.walled])
  })

  test('unspecced getSuggestedFeeds: the viewer’s network’s feeds; not an opted-out creator’s', async () => {
    const { viewer } = acct
    const { body } = await xrpc('app.bsky.unspecced.getSuggestedFeeds', {}, viewer)
    // shycats is liked by two of the viewer's follows (more than quips), but its creator is not to be recommended.
    assert.deepEqual(uris(body.feeds), [feeds.cats, feeds.quips, feeds.kittens])
    assert.deepEqual(uris((await xrpc('app.bsky.unspecced.getSuggestedFeeds', { limit: 1 }, viewer)).body.feeds), [feeds.cats])
    assert.equal((await xrpc('app.bsky.unspecced.getSuggestedFeeds', { limit: 26 })).status, 400)
  })

  test('getTrends: trending topics with post counts, start, link and their top accounts, without opted-out or blocked ones', async () => {
    const { viewer, shy, blocked, a1, a2, a3, f1, f2, f3 } = acct
    const { body } = await until(
      'trends indexed',
      () => xrpc('app.bsky.unspecced.getTrends', {}, viewer),
      (a) => a.body.trends?.[0]?.topic === 'sometag' && a.body.trends[0].postCount === 8 && a.body.trends?.[1]?.topic === 'eclipse',
    )
    const [tag, word] = body.trends
    assert.deepEqual([tag.displayName, tag.link, word.displayName, word.link], ['#sometag', '/hashtag/sometag', 'eclipse', '/search?q=eclipse'])
    assert.equal(word.postCount, 5)
    assert.ok(Date.now() - Date.parse(tag.startedAt) < 30 * 60_000, 'started in the last minutes')
    // Eight accounts posted #sometag once each: five are shown, never shy (opted out) nor blocked (the viewer blocks it).
    assert.equal(tag.actors.length, 5)
    const posters = new Set([a1, a2, a3, f1, f2, f3].map((a) => a.did))
    for (const actor of tag.actors) assert.ok(posters.has(actor.did), `${actor.handle} posted #sometag and may be shown`)
    assert.ok(!dids(tag.actors).includes(shy.did) && !dids(tag.actors).includes(blocked.did))
    const one = await xrpc('app.bsky.unspecced.getTrends', { limit: 1 })
    assert.deepEqual(one.body.trends.map((t: any) => t.topic), ['sometag'])
    assert.ok(!dids(one.body.trends[0].actors).includes(shy.did))
    assert.equal((await xrpc('app.bsky.unspecced.getTrends', { limit: 26 })).status, 400)
  })

  test('getTaggedSuggestions: trending topics’ accounts tagged with the topic, and the suggested feeds', async () => {
    const { viewer, shy } = acct
    const { body } = await xrpc('app.bsky.unspecced.getTaggedSuggestions', {}, viewer)
    const sometag = body.suggestions.filter((s: any) => s.tag === 'sometag')
    assert.ok(sometag.length > 0 && sometag.every((s: any) => s.subjectType === 'actor'))
    assert.ok(!body.suggestions.some((s: any) => s.subject === shy.did || s.subject === feeds.shycats))
    assert.deepEqual(body.suggestions.filter((s: any) => s.subjectType === 'feed').map((s: any) => s.subject), [feeds.cats, feeds.quips, feeds.kittens])
  })

  test('getConfig: who is live now and where, topics on, email left to the PDS', async () => {
    const { star } = acct
    const { body } = await until('statuses indexed', () => xrpc('app.bsky.unspecced.getConfig', {}), (a) => a.body.liveNow?.length > 0)
    // quip's status ran out an hour and a half ago.
    assert.deepEqual(body, { checkEmailConfirmed: false, topicsEnabled: true, liveNow: [{ did: star.did, domains: ['stream.example.com'] }] })
  })
})
