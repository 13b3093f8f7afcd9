import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { isDeepStrictEqual } from 'node:util'
import { cidForRecord } from '@atproto/repo'
import type { DevAccount, DevNetwork } from '#devnet/network.js'
import { deleteMute, putMute } from '#/dataplane/mutes.js'
import { Searcher } from '#/dataplane/opensearch-reader.js'
import { MAX_THREAD_MUTES_AT_ONCE } from '#/hydration/notifications.js'
import { createRecord, startMagpieApi, until, type Answer, type MagpieApi } from '../helpers/magpie-api.js'

/**
 * Notifications end to end: records written through a real PDS, carried by its firehose into
 * OpenSearch, and answered as notifications computed from the record indices, with seen state
 * and preferences stored by Magpie. Every 200 answer is checked against the official lexicon.
 */

const LIST = 'app.bsky.notification.listNotifications'
const UNREAD = 'app.bsky.notification.getUnreadCount'
const SEEN = 'app.bsky.notification.updateSeen'
const GET_PREFS = 'app.bsky.notification.getPreferences'
const PUT_PREFS = 'app.bsky.notification.putPreferencesV2'
const PUT_PRIORITY = 'app.bsky.notification.putPreferences'

let api: MagpieApi
let net: DevNetwork
type Named = 'alice' | 'bob' | 'carol' | 'dan' | 'erin' | 'fay' | 'gina' | 'hank'
const acct = {} as Record<Named, DevAccount>
const ref: Record<string, { uri: string; cid: string }> = {}
const now = () => new Date().toISOString()

const post = (who: Named, text: string, extra: Record<string, unknown> = {}) =>
  createRecord(acct[who].agent, 'app.bsky.feed.post', { text, createdAt: now(), ...extra })
const replyTo = (who: Named, text: string, parent: { uri: string; cid: string }, root: { uri: string; cid: string }) =>
  post(who, text, { reply: { parent, root } })

/** listNotifications as `who`; the notifications as "reason author-handle reasonSubject-name" lines for readable asserts. */
async function list(who: Named, params: Record<string, string | number | boolean | string[]> = {}): Promise<Answer> {
  return api.xrpc(LIST, params, acct[who])
}

const names = () => {
  const byUri = new Map(Object.entries(ref).map(([name, r]) => [r.uri, name]))
  const byDid = new Map(Object.entries(acct).map(([name, a]) => [a.did, name]))
  return (n: any) => `${n.reason} ${byDid.get(n.author.did)}${n.reasonSubject ? ` ${byUri.get(n.reasonSubject) ?? n.reasonSubject}` : ''} ${byUri.get(n.uri) ?? ''}`.trim()
}

async function lines(who: Named, params: Record<string, string | number | boolean | string[]> = {}): Promise<string[]> {
  const answer = await list(who, params)
  assert.equal(answer.status, 200, JSON.stringify(answer.body))
  return answer.body.notifications.map(names())
}

/** Waits until `who`'s notifications satisfy `ready`, then returns them as lines. */
async function linesWhen(who: Named, ready: (l: string[]) => boolean, params: Record<string, string | number | boolean | string[]> = {}): Promise<string[]> {
  const answer = await until(`${who}'s notifications`, () => list(who, params), (a) => a.status === 200 && ready(a.body.notifications.map(names())))
  return answer.body.notifications.map(names())
}

before(async () => {
  api = await startMagpieApi('api-notifications', {})
  net = api.net
  const all: Named[] = ['alice', 'bob', 'carol', 'dan', 'erin', 'fay', 'gina', 'hank']
  const created = await Promise.all(all.map((name) => net.createAccount(name)))
  all.forEach((name, i) => (acct[name] = created[i]!))
  const { alice, bob, carol, dan, erin, fay, hank } = acct

  ref.p1 = await post('alice', 'hello world')
  ref.bobLike = await createRecord(bob.agent, 'app.bsky.feed.like', { subject: ref.p1, createdAt: now() })
  ref.aliceSelfLike = await createRecord(alice.agent, 'app.bsky.feed.like', { subject: ref.p1, createdAt: now() })
  ref.carolRepost = await createRecord(carol.agent, 'app.bsky.feed.repost', { subject: ref.p1, createdAt: now() })
  // Dan likes the post through Carol's repost: Alice hears of a like, Carol of a like via her repost.
  ref.danLikeVia = await createRecord(dan.agent, 'app.bsky.feed.like', { subject: ref.p1, via: ref.carolRepost, createdAt: now() })
  ref.danFollow = await createRecord(dan.agent, 'app.bsky.graph.follow', { subject: alice.did, createdAt: now() })
  ref.r1 = await replyTo('bob', 'a reply', ref.p1, ref.p1)
  ref.r2 = await replyTo('carol', 'a reply to the reply', ref.r1, ref.p1)
  // Fay quotes the post and mentions Alice: one notification, the mention (it comes first).
  const mentionText = 'hi @alice.test'
  ref.fayQuoteMention = await post('fay', mentionText, {
    facets: [{ index: { byteStart: 3, byteEnd: 14 }, features: [{ $type: 'app.bsky.richtext.facet#mention', did: alice.did }] }],
    embed: { $type: 'app.bsky.embed.record', record: ref.p1 },
  })
  ref.erinQuote = await post('erin', 'look at this', { embed: { $type: 'app.bsky.embed.record', record: ref.p1 } })
  // Alice takes part in Erin's thread; a reply two levels under hers still reaches her.
  ref.e1 = await post('erin', 'a thread of mine')
  ref.a1 = await replyTo('alice', 'my two cents', ref.e1, ref.e1)
  ref.f1 = await replyTo('fay', 'answering alice', ref.a1, ref.e1)
  ref.b2 = await replyTo('bob', 'answering fay', ref.f1, ref.e1)
  // Hank, whom Alice blocks, likes her post: never shown.
  ref.aliceBlocksHank = await createRecord(alice.agent, 'app.bsky.graph.block', { subject: hank.did, createdAt: now() })
  ref.hankLike = await createRecord(hank.agent, 'app.bsky.feed.like', { subject: ref.p1, createdAt: now() })
  // A post whose gate lets no one reply: a reply to it notifies no one.
  ref.p2 = await post('alice', 'no replies please')
  ref.p2gate = await createRecord(alice.agent, 'app.bsky.feed.threadgate', { post: ref.p2.uri, allow: [], createdAt: now() }, ref.p2.uri.split('/').pop())
  ref.bobGated = await replyTo('bob', 'replying anyway', ref.p2, ref.p2)
  // Alice's starter pack, which Gina joins through; Bob verifies Alice.
  const list = await createRecord(alice.agent, 'app.bsky.graph.list', { name: 'pack list', purpose: 'app.bsky.graph.defs#referencelist', createdAt: now() })
  ref.pack = await createRecord(alice.agent, 'app.bsky.graph.starterpack', { name: 'my pack', list: list.uri, createdAt: now() })
  ref.ginaProfile = await createRecord(acct.gina.agent, 'app.bsky.actor.profile', { displayName: 'Gina', joinedViaStarterPack: ref.pack, createdAt: now() }, 'self')
  ref.bobVerifies = await createRecord(bob.agent, 'app.bsky.graph.verification', { subject: alice.did, handle: 'alice.test', displayName: '', createdAt: now() })
  ref.aliceFollowsBob = await createRecord(alice.agent, 'app.bsky.graph.follow', { subject: bob.did, createdAt: now() })
  // Erin verifies Gina and withdraws it at once (the delete may reach Magpie in the create's batch).
  ref.erinVerifiesGina = await createRecord(erin.agent, 'app.bsky.graph.verification', { subject: acct.gina.did, handle: 'gina.test', displayName: 'Gina', createdAt: now() })
  await erin.agent.com.atproto.repo.deleteRecord({ repo: erin.did, collection: 'app.bsky.graph.verification', rkey: ref.erinVerifiesGina.uri.split('/').pop()! })
})

after(async () => {
  await api?.close()
})

const EXPECTED_ALICE = [
  'verified bob bobVerifies',
  'starterpack-joined gina pack ginaProfile',
  'reply bob a1 b2',
  'reply fay a1 f1',
  'quote erin p1 erinQuote',
  'mention fay fayQuoteMention',
  'reply carol p1 r2',
  'reply bob p1 r1',
  'follow dan danFollow',
  'like dan p1 danLikeVia',
  'repost carol p1 carolRepost',
  'like bob p1 bobLike',
]

describe('listNotifications', () => {
  test('every reason, newest first; no self-likes, blocked accounts or replies a gate refused', async () => {
    // Each index refreshes on its own clock, so the newest record can be searchable before
    // Alice's older block of Hank is: wait for the whole answer, and show the last one if it never comes.
    const got = await linesWhen('alice', (l) => isDeepStrictEqual(l, EXPECTED_ALICE)).catch(() => lines('alice'))
    assert.deepEqual(got, EXPECTED_ALICE)
  })

  test('a like through a repost notifies the reposter too', async () => {
    const got = await linesWhen('carol', (l) => l.some((x) => x.startsWith('like-via-repost')))
    assert.ok(got.includes('like-via-repost dan carolRepost danLikeVia'), got.join('\n'))
  })

  test('the views: author profile, record, isRead; a page thinned by the rules', async () => {
    const answer = await list('alice', { limit: 5 })
    const [first] = answer.body.notifications
    assert.equal(first.author.did, acct.bob.did)
    assert.equal(first.record.$type, 'app.bsky.graph.verification')
    assert.equal(first.cid, ref.bobVerifies!.cid)
    // Never marked seen: the newest is unread, the rest read.
    // A page is five notifications (the reply the gate refused is none), of which blocked Hank's like is hidden.
    assert.deepEqual(answer.body.notifications.map((n: any) => n.isRead), [false, true, true, true])
    assert.ok(answer.body.cursor, 'a cursor to the next page')
  })

  test('paging with a cursor gives every notification exactly once', async () => {
    const seen: string[] = []
    let cursor: string | undefined
    for (let i = 0; i < 20; i++) {
      const answer = await list('alice', { limit: 4, ...(cursor ? { cursor } : {}) })
      seen.push(...answer.body.notifications.map(names()))
      cursor = answer.body.cursor
      if (!cursor) break
    }
    assert.deepEqual(seen, EXPECTED_ALICE)
  })

  test('reasons filter', async () => {
    assert.deepEqual(await lines('alice', { reasons: ['like', 'follow'] }), ['follow dan danFollow', 'like dan p1 danLikeVia', 'like bob p1 bobLike'])
    assert.deepEqual(await lines('alice', { reasons: 'reply' }), EXPECTED_ALICE.filter((l) => l.startsWith('reply ')))
  })

  test('priority: only accounts the viewer follows', async () => {
    assert.deepEqual(
      await lines('alice', { priority: true }),
      EXPECTED_ALICE.filter((l) => l.split(' ')[1] === 'bob'),
    )
    const answer = await list('alice', { priority: true, limit: 1 })
    assert.equal(answer.body.priority, true)
  })

  test('a withdrawn verification: its subject hears of it and of the withdrawal, as a deleted record', async () => {
    const verifications = { reasons: ['verified', 'unverified'] }
    const got = await linesWhen('gina', (l) => l.some((x) => x.startsWith('unverified')), verifications)
    assert.deepEqual(got, ['unverified erin erinVerifiesGina', 'verified erin erinVerifiesGina'])
    const { notifications } = (await list('gina', verifications)).body
    const deletedCid = (await cidForRecord({ $type: 'app.bsky.notification.defs#recordDeleted' })).toString()
    for (const n of notifications) {
      assert.deepEqual(n.record, { $type: 'app.bsky.notification.defs#recordDeleted' })
      assert.equal(n.cid, deletedCid)
    }
    assert.ok(notifications[0].indexedAt >= notifications[1].indexedAt, 'the withdrawal is dated by the delete')
    assert.deepEqual(await lines('gina', { reasons: ['unverified'] }), ['unverified erin erinVerifiesGina'])

    // As in the reference, the unread count leaves out notifications whose record is gone.
    const all = (await list('gina')).body.notifications as any[]
    const kept = all.filter((n) => n.record.$type !== 'app.bsky.notification.defs#recordDeleted')
    assert.equal(all.length - kept.length, 2)
    assert.equal((await api.xrpc(UNREAD, {}, acct.gina)).body.count, kept.length)

    // Switched off in the preferences, the withdrawal is not listed.
    assert.equal((await api.call(PUT_PREFS, { unverified: { list: false, push: false } }, acct.gina)).status, 200)
    assert.deepEqual(await lines('gina', verifications), ['verified erin erinVerifiesGina'])
    assert.equal((await api.call(PUT_PREFS, { unverified: { list: true, push: true } }, acct.gina)).status, 200)
  })

  test('bad params are 400 InvalidRequest', async () => {
    for (const params of [{ limit: 0 }, { limit: 101 }, { cursor: 'not-a-cursor' }, { seenAt: now() }, { priority: 'maybe' }]) {
      const answer = await list('alice', params as any)
      assert.equal(answer.status, 400, JSON.stringify(params))
      assert.equal(answer.body.error, 'InvalidRequest')
    }
  })

  test('needs a token; one viewer never sees another one`s notifications', async () => {
    const anonymous = await api.xrpc(LIST, {})
    assert.equal(anonymous.status, 401)
    const bobs = await lines('bob')
    assert.ok(!bobs.some((l) => l.includes('danFollow')), 'Alice`s follow notification is not Bob`s')
  })
})

describe('rules that change what is shown', () => {
  test('a deleted like disappears; a muted account and a muted thread are hidden; a hidden reply is dropped', async () => {
    const { alice, bob } = acct
    await bob.agent.com.atproto.repo.deleteRecord({ repo: bob.did, collection: 'app.bsky.feed.like', rkey: ref.bobLike!.uri.split('/').pop()! })
    await linesWhen('alice', (l) => !l.includes('like bob p1 bobLike'))

    assert.equal((await api.call('app.bsky.graph.muteActor', { actor: acct.erin.did }, alice)).status, 200)
    assert.ok(!(await lines('alice')).some((l) => l.includes(' erin ')), 'muted Erin`s quote is hidden')
    assert.equal((await api.call('app.bsky.graph.unmuteActor', { actor: acct.erin.did }, alice)).status, 200)
    assert.ok((await lines('alice')).includes('quote erin p1 erinQuote'))

    assert.equal((await api.call('app.bsky.graph.muteThread', { root: ref.e1!.uri }, alice)).status, 200)
    const muted = await lines('alice')
    assert.ok(!muted.some((l) => l.includes(' a1 ')), `replies in the muted thread are hidden:\n${muted.join('\n')}`)
    assert.equal((await api.call('app.bsky.graph.unmuteThread', { root: ref.e1!.uri }, alice)).status, 200)

    // Alice hides Bob's reply in her thread.
    await createRecord(alice.agent, 'app.bsky.feed.threadgate', { post: ref.p1!.uri, hiddenReplies: [ref.r1!.uri], createdAt: now() }, ref.p1!.uri.split('/').pop())
    // Judged now, not when the replies were made: nothing under the hidden reply reaches Alice either.
    const hidden = await linesWhen('alice', (l) => !l.includes('reply bob p1 r1'))
    assert.ok(!hidden.includes('reply carol p1 r2'), hidden.join('\n'))
    assert.ok(hidden.includes('reply fay a1 f1'), 'other threads are untouched')
  })

  test('a viewer muting more threads than are read at once: the muted one is still hidden, the others shown', async () => {
    // Past MAX_THREAD_MUTES_AT_ONCE the page asks about its own threads instead of reading every mute.
    const search = new Searcher(api.client, api.prefix)
    const others = Array.from({ length: MAX_THREAD_MUTES_AT_ONCE }, (_, i) => `at://${acct.bob.did}/app.bsky.feed.post/3kmanymutes${String(i).padStart(3, '0')}`)
    const eachOther = async (write: (root: string) => Promise<void>) => {
      for (let i = 0; i < others.length; i += 50) await Promise.all(others.slice(i, i + 50).map(write))
    }
    await eachOther((root) => putMute(search, acct.alice.did, 'thread', root))
    try {
      const before = await lines('alice')
      assert.ok(before.some((l) => l.includes(' a1 ')), `unmuted, the thread's replies are shown:\n${before.join('\n')}`)
      assert.equal((await api.call('app.bsky.graph.muteThread', { root: ref.e1!.uri }, acct.alice)).status, 200)
      const muted = await lines('alice')
      assert.ok(!muted.some((l) => l.includes(' a1 ')), `replies in the muted thread are hidden:\n${muted.join('\n')}`)
      assert.deepEqual(muted, before.filter((l) => !l.includes(' a1 ')), 'nothing else changes')
    } finally {
      await api.call('app.bsky.graph.unmuteThread', { root: ref.e1!.uri }, acct.alice)
      await eachOther((root) => deleteMute(search, acct.alice.did, 'thread', root))
    }
  })

  test('a deactivated author`s notifications are hidden', async () => {
    await net.deactivate(acct.dan.did)
    await linesWhen('alice', (l) => !l.some((x) => x.includes(' dan ')))
  })
})

describe('seen state and unread counts', () => {
  test('unread count before and after updateSeen; a new notification counts again', async () => {
    const { alice, carol } = acct
    const all = await lines('alice')
    const before = await api.xrpc(UNREAD, {}, alice)
    assert.equal(before.status, 200)
    // As the reference AppView counts: also what the listing hides — blocked Hank's like,
    // deactivated Dan's follow and like, and the reply Alice hid.
    assert.equal(before.body.count, all.length + 4)
    // Priority: only Bob, whom Alice follows.
    const fromBob = all.filter((l) => l.split(' ')[1] === 'bob').length
    assert.deepEqual((await api.xrpc(UNREAD, { priority: true }, alice)).body, { count: fromBob + 1 })

    assert.equal((await api.call(SEEN, { seenAt: now() }, alice)).status, 200)
    assert.deepEqual((await api.xrpc(UNREAD, {}, alice)).body, { count: 0 })
    const read = await list('alice')
    assert.ok(read.body.notifications.every((n: any) => n.isRead === true))
    assert.ok(read.body.seenAt, 'the stored seen time is returned')

    // An older seen time never moves it back.
    assert.equal((await api.call(SEEN, { seenAt: '2020-01-01T00:00:00.000Z' }, alice)).status, 200)
    assert.deepEqual((await api.xrpc(UNREAD, {}, alice)).body, { count: 0 })

    await createRecord(carol.agent, 'app.bsky.feed.like', { subject: ref.p1, createdAt: now() })
    await until('one unread', () => api.xrpc(UNREAD, {}, alice), (a) => a.body.count === 1)
    const fresh = await list('alice', { limit: 2 })
    assert.deepEqual(fresh.body.notifications.map((n: any) => [n.reason, n.isRead]), [['like', false], ['verified', true]])
    // Bob's count is his own.
    assert.equal((await api.xrpc(UNREAD, {}, acct.bob)).status, 200)
  })

  test('past what a badge shows (100 unread), the count is still exact', async () => {
    const [ivy, jay] = await Promise.all([net.createAccount('ivy'), net.createAccount('jay')])
    const liked = await createRecord(ivy.agent, 'app.bsky.feed.post', { text: 'liked a lot', createdAt: now() })
    // One commit of 105 likes (a client may like a post more than once: each record notifies).
    const like = { $type: 'app.bsky.feed.like', subject: liked, createdAt: now() }
    const writes = Array.from({ length: 105 }, () => ({ $type: 'com.atproto.repo.applyWrites#create' as const, collection: 'app.bsky.feed.like', value: like }))
    await jay.agent.com.atproto.repo.applyWrites({ repo: jay.did, writes })
    await until('105 unread', () => api.xrpc(UNREAD, {}, ivy), (a) => a.status === 200 && a.body.count === 105)
    const listed = await api.xrpc(LIST, { limit: 100 }, ivy)
    assert.equal(listed.body.notifications.length, 100, 'the listing shows a page of them')
  })

  test('updateSeen needs a datetime and a token', async () => {
    assert.equal((await api.call(SEEN, { seenAt: 'yesterday' }, acct.alice)).status, 400)
    assert.equal((await api.call(SEEN, {}, acct.alice)).status, 400)
    assert.equal((await api.call(SEEN, { seenAt: now() })).status, 401)
    assert.equal((await api.xrpc(UNREAD, {})).status, 401)
  })
})

describe('preferences', () => {
  test('defaults, a put that changes some, privacy, and enforcement when listing and counting', async () => {
    const { alice, bob } = acct
    const defaults = await api.xrpc(GET_PREFS, {}, alice)
    assert.equal(defaults.status, 200)
    assert.deepEqual(defaults.body.preferences.like, { include: 'all', list: true, push: true })
    assert.deepEqual(defaults.body.preferences.verified, { list: true, push: true })

    const put = await api.call(PUT_PREFS, { reply: { include: 'all', list: false, push: false }, quote: { include: 'follows', list: true, push: true } }, alice)
    assert.equal(put.status, 200)
    assert.deepEqual(put.body.preferences.reply, { include: 'all', list: false, push: false })
    assert.deepEqual(put.body.preferences.like, { include: 'all', list: true, push: true }, 'others keep their values')
    const got = await api.xrpc(GET_PREFS, {}, alice)
    assert.deepEqual(got.body.preferences, put.body.preferences)

    // Bob sees his own (default) preferences, never Alice's.
    assert.deepEqual((await api.xrpc(GET_PREFS, {}, bob)).body.preferences.reply, { include: 'all', list: true, push: true })
    assert.equal((await api.xrpc(GET_PREFS, {})).status, 401)

    const shown = await lines('alice')
    assert.ok(!shown.some((l) => l.startsWith('reply ')), 'replies switched off')
    assert.ok(!shown.some((l) => l.startsWith('quote ')), 'quotes only from followed accounts: Erin is not followed')
    assert.ok(shown.some((l) => l.startsWith('like ')))

    assert.equal((await api.call(PUT_PREFS, { like: { include: 'sometimes', list: true, push: true } }, alice)).status, 400)
    assert.equal((await api.call(PUT_PREFS, { reply: { include: 'all', list: true, push: true } }, alice)).status, 200)
  })

  test('putPreferences sets the priority default', async () => {
    const { alice } = acct
    assert.equal((await api.call(PUT_PRIORITY, { priority: true }, alice)).status, 200)
    const answer = await list('alice')
    assert.equal(answer.body.priority, true)
    assert.ok(answer.body.notifications.every((n: any) => n.author.did === acct.bob.did))
    assert.equal((await api.call(PUT_PRIORITY, { priority: false }, alice)).status, 200)
  })
})
