import assert from 'node:assert/strict'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { lexicons } from '@atproto/api'
import { startServer } from '#/cli/commands/serve.js'
import type { DevAccount } from '#devnet/network.js'
import { createLogger } from '#/log.js'
import { startTestLabeler, type TestLabeler } from '../helpers/labeler.js'
import { createRecord, startMagpieApi, until, type Answer, type MagpieApi } from '../helpers/magpie-api.js'

/**
 * An account's private state end to end, kept by Magpie as mutes and bookmarks are: activity
 * subscriptions (and the subscribed-post notifications they give), drafts, push registrations;
 * and the account-level methods with a policy instead of state (age assurance, contact import).
 * Records go through a real PDS and its firehose. Each private method is tried by its owner,
 * another account, a labeler's service token and an anonymous caller: only the owner reads or
 * changes anything.
 */

const PUT_SUB = 'app.bsky.notification.putActivitySubscription'
const LIST_SUBS = 'app.bsky.notification.listActivitySubscriptions'
const LIST_NOTIFS = 'app.bsky.notification.listNotifications'
const GET_PROFILE = 'app.bsky.actor.getProfile'
const CREATE_DRAFT = 'app.bsky.draft.createDraft'
const UPDATE_DRAFT = 'app.bsky.draft.updateDraft'
const DELETE_DRAFT = 'app.bsky.draft.deleteDraft'
const GET_DRAFTS = 'app.bsky.draft.getDrafts'
const REGISTER_PUSH = 'app.bsky.notification.registerPush'
const UNREGISTER_PUSH = 'app.bsky.notification.unregisterPush'
const DRAFTS_LIMIT = 3

let api: MagpieApi
let labeler: TestLabeler
let alice: DevAccount
let bob: DevAccount
let carol: DevAccount
let dan: DevAccount
let erin: DevAccount
const now = () => new Date().toISOString()
let bobBefore: { uri: string; cid: string }
let carolPost: { uri: string; cid: string }

before(async () => {
  labeler = await startTestLabeler()
  api = await startMagpieApi('api-private-state', { DRAFTS_LIMIT: String(DRAFTS_LIMIT) })
  ;[alice, bob, carol, dan, erin] = (await Promise.all(['alice', 'bob', 'carol', 'dan', 'erin'].map((n) => api.net.createAccount(n)))) as DevAccount[] as [
    DevAccount,
    DevAccount,
    DevAccount,
    DevAccount,
    DevAccount,
  ]
  // Alice follows Bob (who declares nothing: followers may subscribe), Carol (who allows no
  // one) and Dan (who allows mutuals, and does not follow her back).
  for (const subject of [bob, carol, dan]) await createRecord(alice.agent, 'app.bsky.graph.follow', { subject: subject.did, createdAt: now() })
  await createRecord(carol.agent, 'app.bsky.notification.declaration', { allowSubscriptions: 'none' }, 'self')
  await createRecord(dan.agent, 'app.bsky.notification.declaration', { allowSubscriptions: 'mutuals' }, 'self')
  bobBefore = await createRecord(bob.agent, 'app.bsky.feed.post', { text: 'before anyone subscribed', createdAt: now() })
  carolPost = await createRecord(carol.agent, 'app.bsky.feed.post', { text: 'carol', createdAt: now() })
  await until(
    'declarations and follows ingested',
    () => api.xrpc('app.bsky.actor.getProfiles', { actors: [carol.did, dan.did] }, alice),
    (a) =>
      a.body.profiles?.map((p: any) => `${p.associated?.activitySubscription?.allowSubscriptions} ${!!p.viewer?.following}`).join() === 'none true,mutuals true',
  )
  await until('posts ingested', () => api.xrpc('app.bsky.feed.getPosts', { uris: [bobBefore.uri, carolPost.uri] }), (a) => a.body.posts?.length === 2)
})

after(async () => {
  await api?.close()
  await labeler?.close()
})

/** An XRPC call with a token of our choosing (a labeler's), or none. */
async function callWith(nsid: string, token: string | undefined, opts: { params?: Record<string, string>; input?: unknown } = {}): Promise<Answer> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {}
  const query = new URLSearchParams(opts.params ?? {})
  const init: RequestInit = opts.input === undefined ? { headers } : { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(opts.input) }
  const res = await fetch(`${api.base}/xrpc/${nsid}?${query}`, init)
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : undefined }
}

/** Neither a labeler's service token nor an anonymous caller gets past a private method. */
async function assertOwnerOnly(nsid: string, opts: { params?: Record<string, string>; input?: unknown }): Promise<void> {
  const asLabeler = await callWith(nsid, await labeler.serviceToken(api.serviceDid, nsid), opts)
  assert.equal(asLabeler.status, 401, `${nsid} as a labeler: ${JSON.stringify(asLabeler.body)}`)
  const anonymous = await callWith(nsid, undefined, opts)
  assert.equal(anonymous.status, 401, `${nsid} anonymously: ${JSON.stringify(anonymous.body)}`)
}

/** A procedure's 200 body checked against its lexicon (api.call checks only errors). */
async function callValid(nsid: string, input: unknown, viewer: DevAccount): Promise<Answer> {
  const answer = await api.call(nsid, input, viewer)
  assert.equal(answer.status, 200, `${nsid}: ${JSON.stringify(answer.body)}`)
  if ((lexicons.getDef(nsid) as { output?: unknown } | undefined)?.output) lexicons.assertValidXrpcOutput(nsid, answer.body)
  return answer
}

const subscribedPosts = async (who: DevAccount) =>
  ((await api.xrpc(LIST_NOTIFS, {}, who)).body.notifications as any[]).filter((n) => n.reason === 'subscribed-post').map((n) => n.uri)

describe('activity subscriptions', () => {
  test('the subject`s declaration decides who may subscribe, with a message saying why not', async () => {
    const put = (subject: DevAccount, who: DevAccount) => api.call(PUT_SUB, { subject: subject.did, activitySubscription: { post: true, reply: false } }, who)
    const none = await put(carol, alice)
    assert.deepEqual([none.status, none.body.error], [400, 'InvalidRequest'])
    assert.match(none.body.message, /does not allow activity subscriptions/)
    const mutuals = await put(dan, alice)
    assert.equal(mutuals.status, 400)
    assert.match(mutuals.body.message, /follows back/)
    const notFollowing = await put(bob, erin)
    assert.equal(notFollowing.status, 400)
    assert.match(notFollowing.body.message, /only from its followers/)
    assert.equal((await put(alice, alice)).status, 400, 'not to oneself')
    assert.equal((await api.call(PUT_SUB, { subject: 'bob', activitySubscription: { post: true, reply: false } }, alice)).status, 400)
    assert.equal((await api.call(PUT_SUB, { subject: bob.did, activitySubscription: { post: 'yes', reply: false } }, alice)).status, 400)
    assert.equal((await api.call(PUT_SUB, { subject: bob.did }, alice)).status, 400)
    // Refused subscriptions are not kept.
    assert.deepEqual((await api.xrpc(LIST_SUBS, {}, alice)).body.subscriptions, [])
  })

  test('a subscription is its owner`s alone: listed and shown on the profile to the subscriber only', async () => {
    const put = await callValid(PUT_SUB, { subject: bob.did, activitySubscription: { post: true, reply: false } }, alice)
    assert.deepEqual(put.body, { subject: bob.did, activitySubscription: { post: true, reply: false } })

    const mine = await api.xrpc(LIST_SUBS, {}, alice)
    assert.equal(mine.status, 200)
    assert.deepEqual(mine.body.subscriptions.map((p: any) => [p.did, p.viewer.activitySubscription]), [[bob.did, { post: true, reply: false }]])
    assert.deepEqual((await api.xrpc(LIST_SUBS, {}, erin)).body.subscriptions, [], 'Erin has none, and never sees Alice`s')
    await assertOwnerOnly(LIST_SUBS, {})
    await assertOwnerOnly(PUT_SUB, { input: { subject: bob.did, activitySubscription: { post: false, reply: false } } })
    assert.equal((await api.xrpc(LIST_SUBS, { limit: 0 }, alice)).status, 400)
    assert.equal((await api.xrpc(LIST_SUBS, { cursor: 'junk' }, alice)).status, 400)

    assert.deepEqual((await api.xrpc(GET_PROFILE, { actor: bob.did }, alice)).body.viewer.activitySubscription, { post: true, reply: false })
    assert.equal((await api.xrpc(GET_PROFILE, { actor: bob.did }, erin)).body.viewer.activitySubscription, undefined)
    assert.equal((await api.xrpc(GET_PROFILE, { actor: bob.did })).body.viewer, undefined)
    const asLabeler = await callWith(GET_PROFILE, await labeler.serviceToken(api.serviceDid, GET_PROFILE), { params: { actor: bob.did } })
    assert.equal(asLabeler.status, 200)
    assert.equal(asLabeler.body.viewer, undefined, 'a labeler reads the profile as nobody in particular')
  })

  test('the subject`s new posts notify the subscriber, and nobody else; replies only when asked for', async () => {
    const fresh = await createRecord(bob.agent, 'app.bsky.feed.post', { text: 'a new post', createdAt: now() })
    const reply = await createRecord(bob.agent, 'app.bsky.feed.post', { text: 'a reply', createdAt: now(), reply: { root: carolPost, parent: carolPost } })
    await until('Alice hears of the new post', () => api.xrpc(LIST_NOTIFS, {}, alice), (a) => a.body.notifications?.some((n: any) => n.uri === fresh.uri))
    await until('the reply ingested', () => api.xrpc('app.bsky.feed.getPosts', { uris: [reply.uri] }), (a) => a.body.posts?.length === 1)
    const heard = await subscribedPosts(alice)
    assert.deepEqual(heard, [fresh.uri], 'not the reply (posts only), nor the post made before she subscribed')
    assert.equal((await api.xrpc('app.bsky.notification.getUnreadCount', {}, alice)).body.count >= 1, true)
    assert.deepEqual(await subscribedPosts(erin), [], 'Erin subscribes to nobody')
    const carolHeard = ((await api.xrpc(LIST_NOTIFS, {}, carol)).body.notifications as any[]).map((n) => [n.reason, n.uri])
    assert.deepEqual(carolHeard.filter(([, uri]) => uri === reply.uri), [['reply', reply.uri]], 'Carol hears of the reply to her as a reply')

    // Asking for replies too: Bob's next reply notifies her, as a subscribed-post (the lexicon has no subscribed-reply).
    await callValid(PUT_SUB, { subject: bob.did, activitySubscription: { post: true, reply: true } }, alice)
    const reply2 = await createRecord(bob.agent, 'app.bsky.feed.post', { text: 'another reply', createdAt: now(), reply: { root: carolPost, parent: carolPost } })
    await until('Alice hears of the reply', () => api.xrpc(LIST_NOTIFS, {}, alice), (a) => a.body.notifications?.some((n: any) => n.uri === reply2.uri && n.reason === 'subscribed-post'))
  })

  test('unsubscribing stops them', async () => {
    const off = await callValid(PUT_SUB, { subject: bob.did, activitySubscription: { post: false, reply: false } }, alice)
    assert.deepEqual(off.body, { subject: bob.did })
    assert.deepEqual((await api.xrpc(LIST_SUBS, {}, alice)).body.subscriptions, [])
    assert.equal((await api.xrpc(GET_PROFILE, { actor: bob.did }, alice)).body.viewer.activitySubscription, undefined)
    const after = await createRecord(bob.agent, 'app.bsky.feed.post', { text: 'nobody is listening', createdAt: now() })
    await until('the post ingested', () => api.xrpc('app.bsky.feed.getPosts', { uris: [after.uri] }), (a) => a.body.posts?.length === 1)
    assert.deepEqual(await subscribedPosts(alice), [])
  })

  test('a subject that stops allowing subscriptions is no longer heard from', async () => {
    await callValid(PUT_SUB, { subject: bob.did, activitySubscription: { post: true, reply: false } }, alice)
    const heard = await createRecord(bob.agent, 'app.bsky.feed.post', { text: 'still allowed', createdAt: now() })
    await until('heard', () => api.xrpc(LIST_NOTIFS, {}, alice), (a) => a.body.notifications?.some((n: any) => n.uri === heard.uri))
    await createRecord(bob.agent, 'app.bsky.notification.declaration', { allowSubscriptions: 'none' }, 'self')
    await until('the declaration ingested', () => api.xrpc(GET_PROFILE, { actor: bob.did }), (a) => a.body.associated?.activitySubscription?.allowSubscriptions === 'none')
    assert.deepEqual(await subscribedPosts(alice), [])
    assert.equal((await api.xrpc(GET_PROFILE, { actor: bob.did }, alice)).body.viewer.activitySubscription, undefined)
  })
})

const draft = (text: string, extra: Record<string, unknown> = {}) => ({ posts: [{ text }], langs: ['en'], ...extra })

describe('drafts', () => {
  let id: string

  test('a draft round trips, for its owner only', async () => {
    const created = await callValid(CREATE_DRAFT, { draft: draft('first draft') }, alice)
    id = created.body.id
    const mine = await api.xrpc(GET_DRAFTS, {}, alice)
    assert.equal(mine.status, 200)
    assert.deepEqual(mine.body.drafts.map((d: any) => [d.id, d.draft]), [[id, draft('first draft')]])
    assert.deepEqual((await api.xrpc(GET_DRAFTS, {}, erin)).body.drafts, [])
    await assertOwnerOnly(GET_DRAFTS, {})
    await assertOwnerOnly(CREATE_DRAFT, { input: { draft: draft('x') } })
    await assertOwnerOnly(UPDATE_DRAFT, { input: { draft: { id, draft: draft('x') } } })
    await assertOwnerOnly(DELETE_DRAFT, { input: { id } })

    // Another account naming Alice's draft changes nothing of hers.
    assert.equal((await api.call(UPDATE_DRAFT, { draft: { id, draft: draft('not yours') } }, erin)).status, 200)
    assert.equal((await api.call(DELETE_DRAFT, { id }, erin)).status, 200)
    assert.deepEqual((await api.xrpc(GET_DRAFTS, {}, erin)).body.drafts, [], 'and gains none')

    assert.equal((await api.call(UPDATE_DRAFT, { draft: { id, draft: draft('edited', { deviceName: 'phone' }) } }, alice)).status, 200)
    const edited = (await api.xrpc(GET_DRAFTS, {}, alice)).body.drafts
    assert.deepEqual(edited.map((d: any) => [d.id, d.draft]), [[id, draft('edited', { deviceName: 'phone' })]])
    assert.ok(edited[0].updatedAt > edited[0].createdAt)
    // An update of a draft that does not exist is ignored, as the lexicon says (it creates nothing).
    assert.equal((await api.call(UPDATE_DRAFT, { draft: { id: '3jzfcijpj2z2a', draft: draft('ghost') } }, alice)).status, 200)
    assert.equal((await api.xrpc(GET_DRAFTS, {}, alice)).body.drafts.length, 1)
  })

  test('the lexicon`s limits and the number of drafts are enforced with 400s', async () => {
    const tooLong = await api.call(CREATE_DRAFT, { draft: draft('é'.repeat(1001)) }, alice)
    assert.deepEqual([tooLong.status, tooLong.body.error], [400, 'InvalidRequest'])
    assert.match(tooLong.body.message, /graphemes/)
    assert.equal((await api.call(CREATE_DRAFT, { draft: { posts: [] } }, alice)).status, 400)
    assert.equal((await api.call(CREATE_DRAFT, { draft: { posts: Array.from({ length: 101 }, () => ({ text: 'x' })) } }, alice)).status, 400)
    assert.equal((await api.call(CREATE_DRAFT, { draft: draft('x', { langs: ['en', 'fr', 'de', 'es'] }) }, alice)).status, 400)
    assert.equal((await api.call(CREATE_DRAFT, { draft: draft('x', { deviceId: 'x'.repeat(101) }) }, alice)).status, 400)
    assert.equal((await api.call(CREATE_DRAFT, {}, alice)).status, 400)
    assert.equal((await api.call(UPDATE_DRAFT, { draft: { id: 'not-a-tid', draft: draft('x') } }, alice)).status, 400)
    assert.equal((await api.call(DELETE_DRAFT, { id: 'not-a-tid' }, alice)).status, 400)
    assert.equal((await api.xrpc(GET_DRAFTS, { limit: 101 }, alice)).status, 400)
    assert.equal((await api.xrpc(GET_DRAFTS, { cursor: 'junk' }, alice)).status, 400)

    for (let i = 1; i < DRAFTS_LIMIT; i++) await callValid(CREATE_DRAFT, { draft: draft(`draft ${i}`) }, alice)
    const over = await api.call(CREATE_DRAFT, { draft: draft('one too many') }, alice)
    assert.deepEqual([over.status, over.body.error], [400, 'DraftLimitReached'])
    assert.equal((await callValid(CREATE_DRAFT, { draft: draft('Erin has room') }, erin)).status, 200, 'the limit is per account')
    const pages = await api.allPages(GET_DRAFTS, { limit: 2 }, 'drafts', alice)
    assert.deepEqual(pages.map((d) => d.draft.posts[0].text), ['draft 2', 'draft 1', 'edited'], 'last updated first, page by page')
  })

  test('drafts survive a restart of Magpie, and deleting one removes it', async () => {
    const server: Server = await startServer(api.config, api.client, createLogger('warn'))
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      const token = await api.serviceToken(alice, GET_DRAFTS)
      const res = await fetch(`${base}/xrpc/${GET_DRAFTS}`, { headers: { authorization: `Bearer ${token}` } })
      const body = (await res.json()) as any
      assert.equal(res.status, 200)
      assert.deepEqual(body.drafts.map((d: any) => d.draft.posts[0].text), ['draft 2', 'draft 1', 'edited'])
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
    assert.equal((await api.call(DELETE_DRAFT, { id }, alice)).status, 200)
    assert.equal((await api.call(DELETE_DRAFT, { id }, alice)).status, 200, 'twice is fine')
    assert.deepEqual((await api.xrpc(GET_DRAFTS, {}, alice)).body.drafts.map((d: any) => d.draft.posts[0].text), ['draft 2', 'draft 1'])
  })
})

describe('push registration', () => {
  const registration = { serviceDid: 'did:web:push.example.com', token: 'device-token-1', platform: 'ios', appId: 'xyz.blueskyweb.app' }
  const stored = async (who: DevAccount) => {
    const res = await api.client.search({ index: `${api.prefix}push-registrations`, body: { query: { term: { viewer: who.did } } } })
    return (res.body.hits.hits as any[]).map((h) => `${h._source.platform} ${h._source.appId} ${h._source.token}`)
  }

  test('registered and unregistered per account and app; nobody else can undo it', async () => {
    assert.equal((await api.call(REGISTER_PUSH, registration, alice)).status, 200)
    assert.equal((await api.call(REGISTER_PUSH, { ...registration, appId: 'other.app' }, alice)).status, 200)
    assert.equal((await api.call(REGISTER_PUSH, registration, alice)).status, 200, 'again: still one')
    assert.deepEqual((await stored(alice)).sort(), ['ios other.app device-token-1', 'ios xyz.blueskyweb.app device-token-1'])
    assert.equal((await api.call(UNREGISTER_PUSH, registration, erin)).status, 200)
    assert.equal((await stored(alice)).length, 2, 'Erin cannot unregister Alice`s device')
    await assertOwnerOnly(REGISTER_PUSH, { input: registration })
    await assertOwnerOnly(UNREGISTER_PUSH, { input: registration })
    assert.equal((await stored(alice)).length, 2)

    assert.equal((await api.call(UNREGISTER_PUSH, registration, alice)).status, 200)
    assert.deepEqual(await stored(alice), ['ios other.app device-token-1'])
  })

  test('bad registrations are 400s', async () => {
    for (const bad of [{ ...registration, platform: 'pager' }, { ...registration, serviceDid: 'push' }, { ...registration, token: '' }, { ...registration, token: 'x'.repeat(5000) }, {}]) {
      const answer = await api.call(REGISTER_PUSH, bad, alice)
      assert.equal(answer.status, 400, JSON.stringify(bad).slice(0, 80))
    }
  })
})

describe('age assurance', () => {
  test('by default not required: every account is assured, and beginning changes nothing', async () => {
    const config = await api.xrpc('app.bsky.ageassurance.getConfig', {})
    assert.deepEqual([config.status, config.body], [200, { regions: [] }])
    const state = await api.xrpc('app.bsky.ageassurance.getState', { countryCode: 'GB' }, alice)
    assert.equal(state.status, 200)
    assert.deepEqual(state.body.state, { status: 'assured', access: 'full' })
    const begin = await callValid('app.bsky.ageassurance.begin', { email: 'a@example.com', language: 'en', countryCode: 'GB' }, alice)
    assert.deepEqual(begin.body, { status: 'assured', access: 'full' })
    assert.deepEqual((await api.xrpc('app.bsky.unspecced.getAgeAssuranceState', {}, alice)).body, { status: 'assured' })
    const init = await callValid('app.bsky.unspecced.initAgeAssurance', { email: 'a@example.com', language: 'en', countryCode: 'US' }, alice)
    assert.deepEqual(init.body, { status: 'assured' })
  })

  test('bad params are 400s; the account`s state needs the account', async () => {
    assert.equal((await api.xrpc('app.bsky.ageassurance.getState', {}, alice)).status, 400)
    assert.equal((await api.xrpc('app.bsky.ageassurance.getState', { countryCode: 'GBR' }, alice)).status, 400)
    assert.equal((await api.call('app.bsky.ageassurance.begin', { email: 'nope', language: 'en', countryCode: 'GB' }, alice)).status, 400)
    assert.equal((await api.call('app.bsky.ageassurance.begin', { email: 'a@example.com', language: 'en' }, alice)).status, 400)
    await assertOwnerOnly('app.bsky.ageassurance.getState', { params: { countryCode: 'GB' } })
    await assertOwnerOnly('app.bsky.unspecced.getAgeAssuranceState', {})
  })

  test('a configured policy is published, and never blocks anyone', async () => {
    const region = { countryCode: 'GB', minAccessAge: 13, rules: [{ $type: 'app.bsky.ageassurance.defs#configRegionRuleDefault', access: 'safe' }] }
    const server: Server = await startServer({ ...api.config, AGE_ASSURANCE_REGIONS: [region] }, api.client, createLogger('warn'))
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      const get = async (nsid: string, params: Record<string, string>) => {
        const token = await api.serviceToken(alice, nsid)
        const res = await fetch(`${base}/xrpc/${nsid}?${new URLSearchParams(params)}`, { headers: { authorization: `Bearer ${token}` } })
        return { status: res.status, body: (await res.json()) as any }
      }
      const begin = async (countryCode: string) => {
        const nsid = 'app.bsky.ageassurance.begin'
        const token = await api.serviceToken(alice, nsid)
        const res = await fetch(`${base}/xrpc/${nsid}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'a@example.com', language: 'en', countryCode }),
        })
        return { status: res.status, body: (await res.json()) as any }
      }
      assert.deepEqual((await get('app.bsky.ageassurance.getConfig', {})).body, { regions: [region] })
      const state = (await get('app.bsky.ageassurance.getState', { countryCode: 'GB' })).body.state
      assert.deepEqual(state, { status: 'unknown', access: 'unknown' }, 'the app applies the rules; never blocked')
      assert.deepEqual([(await begin('US')).status, (await begin('US')).body.error], [400, 'RegionNotSupported'])
      const gb = await begin('GB')
      assert.deepEqual([gb.status, gb.body.error], [400, 'InvalidInitiation'])
      assert.match(gb.body.message, /no age assurance provider/)
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })
})

describe('contact import', () => {
  test('nothing to sync or match; anything needing a phone number is refused with a reason', async () => {
    assert.deepEqual(await callValid('app.bsky.contact.removeData', {}, alice).then((a) => a.body), {})
    const status = await api.xrpc('app.bsky.contact.getSyncStatus', {}, alice)
    assert.deepEqual([status.status, status.body], [200, {}])
    const matches = await api.xrpc('app.bsky.contact.getMatches', {}, alice)
    assert.deepEqual([matches.status, matches.body], [200, { matches: [] }])
    assert.equal((await api.xrpc('app.bsky.contact.getMatches', { limit: 0 }, alice)).status, 400)
    assert.equal((await api.call('app.bsky.contact.dismissMatch', { subject: bob.did }, alice)).status, 200)
    assert.equal((await api.call('app.bsky.contact.dismissMatch', { subject: 'bob' }, alice)).status, 400)

    for (const [nsid, input] of [
      ['app.bsky.contact.startPhoneVerification', { phone: '+12125550123' }],
      ['app.bsky.contact.verifyPhone', { phone: '+12125550123', code: '123456' }],
      ['app.bsky.contact.importContacts', { token: 't', contacts: ['+12125550123'] }],
      ['app.bsky.contact.sendNotification', { from: alice.did, to: bob.did }],
    ] as const) {
      const refused = await api.call(nsid, input, alice)
      assert.deepEqual([refused.status, refused.body.error], [400, 'InvalidRequest'], nsid)
      assert.match(refused.body.message, /holds no phone numbers/)
      assert.equal((await api.call(nsid, input)).status, 401, `${nsid} anonymously`)
    }
    assert.equal((await api.call('app.bsky.contact.importContacts', { token: 't', contacts: Array.from({ length: 1001 }, () => '+1') }, alice)).status, 400)
    await assertOwnerOnly('app.bsky.contact.getSyncStatus', {})
  })
})
