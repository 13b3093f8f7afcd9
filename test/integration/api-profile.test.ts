import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { DevAccount, DevNetwork } from '#devnet/network.js'
import { createRecord, SERVICE_DID, startMagpieApi, until, type MagpieApi } from '../helpers/magpie-api.js'

/**
 * Profiles end to end: accounts and records written through a real PDS, carried by its
 * firehose through live ingest into OpenSearch, read back over HTTP from Magpie's XRPC server
 * with viewer tokens minted by that PDS. Every successful answer is checked against the
 * official lexicon.
 */

const GET_PROFILE = 'app.bsky.actor.getProfile'
const GET_PROFILES = 'app.bsky.actor.getProfiles'
// A 1×1 PNG: the PDS checks that an avatar blob is an image.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
)

let api: MagpieApi
let net: DevNetwork
let base: string
let alice: DevAccount, bob: DevAccount, carol: DevAccount, dave: DevAccount, erin: DevAccount, frank: DevAccount, gina: DevAccount
/** URIs of records the assertions refer to. */
const uris: Record<string, string> = {}
let avatarCid: string
let pinned: { uri: string; cid: string }

before(async () => {
  api = await startMagpieApi('api-profile', { IMAGE_CDN_URL: 'https://cdn.magpie.test/img' })
  ;({ net, base } = api)

  const accounts = await Promise.all(['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'gina'].map((name) => net.createAccount(name)))
  ;[alice, bob, carol, dave, erin, frank, gina] = accounts as [DevAccount, DevAccount, DevAccount, DevAccount, DevAccount, DevAccount, DevAccount]
  await writeFixtures()
})

after(() => api.close())

const now = () => new Date().toISOString()

const create = createRecord

async function writeFixtures() {
  const blob = await alice.agent.uploadBlob(PNG, { encoding: 'image/png' })
  avatarCid = blob.data.blob.ref.toString()
  const post1 = await create(alice.agent, 'app.bsky.feed.post', { text: 'first', createdAt: now() })
  await create(alice.agent, 'app.bsky.feed.post', { text: 'second', createdAt: now() })
  pinned = { uri: post1.uri, cid: post1.cid }
  await create(
    alice.agent,
    'app.bsky.actor.profile',
    {
      displayName: 'Alice',
      description: 'Hello, I am Alice',
      website: 'https://alice.example.com',
      avatar: blob.data.blob,
      pinnedPost: pinned,
      labels: { $type: 'com.atproto.label.defs#selfLabels', values: [{ val: 'porn' }] },
      createdAt: '2024-01-01T00:00:00.000Z',
    },
    'self',
  )
  await create(alice.agent, 'chat.bsky.actor.declaration', { allowIncoming: 'following' }, 'self')
  await create(alice.agent, 'app.bsky.graph.list', { purpose: 'app.bsky.graph.defs#curatelist', name: 'Pals', createdAt: now() })

  uris.bobFollowsAlice = (await create(bob.agent, 'app.bsky.graph.follow', { subject: alice.did, createdAt: now() })).uri
  uris.carolFollowsAlice = (await create(carol.agent, 'app.bsky.graph.follow', { subject: alice.did, createdAt: now() })).uri
  uris.aliceFollowsBob = (await create(alice.agent, 'app.bsky.graph.follow', { subject: bob.did, createdAt: now() })).uri
  uris.aliceFollowsGina = (await create(alice.agent, 'app.bsky.graph.follow', { subject: gina.did, createdAt: now() })).uri
  uris.aliceBlocksCarol = (await create(alice.agent, 'app.bsky.graph.block', { subject: carol.did, createdAt: now() })).uri

  // Frank is on Alice's mod list, to which Bob subscribes as a block list.
  uris.modList = (await create(alice.agent, 'app.bsky.graph.list', { purpose: 'app.bsky.graph.defs#modlist', name: 'Trolls', createdAt: now() })).uri
  await create(alice.agent, 'app.bsky.graph.listitem', { list: uris.modList, subject: frank.did, createdAt: now() })
  uris.bobListblock = (await create(bob.agent, 'app.bsky.graph.listblock', { subject: uris.modList, createdAt: now() })).uri
}

const serviceToken = (account: DevAccount, lxm: string, aud?: string) => api.serviceToken(account, lxm, aud)
const xrpc = (nsid: string, params: Record<string, string | string[]>, viewer?: DevAccount) => api.xrpc(nsid, params, viewer)

describe('getProfile', () => {
  test('anonymous: the detailed view with exact counts, and no viewer state', async () => {
    const { body } = await until(
      'alice fully indexed',
      () => xrpc(GET_PROFILE, { actor: alice.did }),
      (a) => a.status === 200 && a.body.followersCount === 2 && a.body.postsCount === 2 && a.body.followsCount === 2 && !!a.body.displayName,
    )
    assert.equal(body.did, alice.did)
    assert.equal(body.handle, alice.handle)
    assert.equal(body.displayName, 'Alice')
    assert.equal(body.description, 'Hello, I am Alice')
    assert.equal(body.website, 'https://alice.example.com')
    assert.equal(body.avatar, `https://cdn.magpie.test/img/avatar/plain/${alice.did}/${avatarCid}`)
    assert.equal(body.banner, undefined)
    assert.equal(body.createdAt, '2024-01-01T00:00:00.000Z')
    assert.ok(body.indexedAt, 'indexedAt')
    assert.deepEqual(body.pinnedPost, pinned)
    assert.equal(body.viewer, undefined)
    assert.deepEqual(
      body.labels.map((l: any) => [l.src, l.uri, l.val]),
      [[alice.did, `at://${alice.did}/app.bsky.actor.profile/self`, 'porn']],
    )
    await until('associated counts', () => xrpc(GET_PROFILE, { actor: alice.did }), (a) => a.body.associated?.lists === 2)
    const { body: again } = await xrpc(GET_PROFILE, { actor: alice.did })
    assert.deepEqual(again.associated, {
      lists: 2,
      feedgens: 0,
      starterPacks: 0,
      labeler: false,
      chat: { allowIncoming: 'following' },
      activitySubscription: { allowSubscriptions: 'followers' },
    })
  })

  test('by handle, case-insensitively', async () => {
    const { status, body } = await until('alice by handle', () => xrpc(GET_PROFILE, { actor: alice.handle.toUpperCase() }), (a) => a.status === 200)
    assert.equal(status, 200)
    assert.equal(body.did, alice.did)
  })

  test('viewer state: follows both ways', async () => {
    const { body } = await until('bob sees alice', () => xrpc(GET_PROFILE, { actor: alice.did }, bob), (a) => !!a.body.viewer?.followedBy)
    assert.equal(body.viewer.following, uris.bobFollowsAlice)
    assert.equal(body.viewer.followedBy, uris.aliceFollowsBob)
    assert.equal(body.viewer.blockedBy, false)
    assert.equal(body.viewer.blocking, undefined)
    assert.equal(body.viewer.muted, false)
  })

  test('viewer state: blocks in both directions hide follows', async () => {
    const asCarol = await until('carol is blocked by alice', () => xrpc(GET_PROFILE, { actor: alice.did }, carol), (a) => a.body.viewer?.blockedBy === true)
    // Carol does follow Alice, but a block hides it.
    assert.equal(asCarol.body.viewer.following, undefined)
    const asAlice = await until('alice blocks carol', () => xrpc(GET_PROFILE, { actor: carol.did }, alice), (a) => !!a.body.viewer?.blocking)
    assert.equal(asAlice.body.viewer.blocking, uris.aliceBlocksCarol)
    assert.equal(asAlice.body.viewer.blockedBy, false)
    assert.equal(asAlice.body.viewer.followedBy, undefined)
  })

  test('viewer state: a block through a subscribed mod list, seen from both sides', async () => {
    const asBob = await until('bob blocks frank by list', () => xrpc(GET_PROFILE, { actor: frank.did }, bob), (a) => !!a.body.viewer?.blockingByList)
    assert.equal(asBob.body.viewer.blocking, uris.modList)
    assert.equal(asBob.body.viewer.blockingByList.uri, uris.modList)
    assert.equal(asBob.body.viewer.blockingByList.name, 'Trolls')
    assert.equal(asBob.body.viewer.blockingByList.purpose, 'app.bsky.graph.defs#modlist')
    assert.equal(asBob.body.viewer.blockingByList.listItemCount, 1)
    assert.equal(asBob.body.viewer.blockingByList.viewer.blocked, uris.bobListblock)
    const asFrank = await until('frank is blocked by bob', () => xrpc(GET_PROFILE, { actor: bob.did }, frank), (a) => a.body.viewer?.blockedBy === true)
    assert.equal(asFrank.body.viewer.blocking, undefined)
  })

  test('viewer state: known followers', async () => {
    // Bob follows Alice, who follows Gina.
    const { body } = await until('gina known followers', () => xrpc(GET_PROFILE, { actor: gina.did }, bob), (a) => !!a.body.viewer?.knownFollowers)
    assert.equal(body.viewer.knownFollowers.count, 1)
    assert.deepEqual(body.viewer.knownFollowers.followers.map((f: any) => f.did), [alice.did])
  })

  test('viewing oneself', async () => {
    const { body } = await xrpc(GET_PROFILE, { actor: alice.did }, alice)
    assert.equal(body.viewer.muted, false)
    assert.equal(body.viewer.blockedBy, false)
    assert.equal(body.viewer.following, undefined)
  })

  test('a deleted follow no longer counts', async () => {
    const [, , did, collection, rkey] = uris.carolFollowsAlice!.split('/')
    await carol.agent.com.atproto.repo.deleteRecord({ repo: did!, collection: collection!, rkey: rkey! })
    const { body } = await until('follower count drops', () => xrpc(GET_PROFILE, { actor: alice.did }), (a) => a.body.followersCount === 1)
    assert.equal(body.followersCount, 1)
  })

  test('unknown actors are "Profile not found"', async () => {
    for (const actor of ['nobody.test', 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa']) {
      const { status, body } = await xrpc(GET_PROFILE, { actor })
      assert.equal(status, 400)
      assert.deepEqual(body, { error: 'InvalidRequest', message: 'Profile not found' })
    }
  })

  test('a deactivated account is AccountDeactivated; a taken-down one AccountTakedown', async () => {
    await until('dave indexed', () => xrpc(GET_PROFILE, { actor: dave.did }), (a) => a.status === 200)
    await until('erin indexed', () => xrpc(GET_PROFILE, { actor: erin.did }), (a) => a.status === 200)
    await net.deactivate(dave.did)
    await net.takedown(erin.did)
    const deactivated = await until('dave deactivated', () => xrpc(GET_PROFILE, { actor: dave.did }), (a) => a.status !== 200)
    assert.deepEqual(deactivated, { status: 400, body: { error: 'AccountDeactivated', message: 'Account is deactivated' } })
    const takendown = await until('erin taken down', () => xrpc(GET_PROFILE, { actor: erin.did }), (a) => a.status !== 200)
    assert.deepEqual(takendown, { status: 400, body: { error: 'AccountTakedown', message: 'Account has been suspended' } })
  })
})

describe('getProfiles', () => {
  test('a batch in order, leaving out unknown and unavailable accounts', async () => {
    await until('dave deactivated', () => xrpc(GET_PROFILE, { actor: dave.did }), (a) => a.body.error === 'AccountDeactivated')
    const actors = [bob.handle, alice.did, dave.did, erin.did, 'nobody.test', 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa']
    const { status, body } = await xrpc(GET_PROFILES, { actors }, gina)
    assert.equal(status, 200)
    assert.deepEqual(body.profiles.map((p: any) => p.did), [bob.did, alice.did])
    const aliceView = body.profiles[1]
    assert.equal(aliceView.viewer.followedBy, uris.aliceFollowsGina)
    assert.equal(aliceView.followersCount, 1)
  })

  test('anonymous, one actor', async () => {
    const { status, body } = await xrpc(GET_PROFILES, { actors: alice.did })
    assert.equal(status, 200)
    assert.equal(body.profiles.length, 1)
    assert.equal(body.profiles[0].viewer, undefined)
  })
})

describe('viewer tokens', () => {
  test('a token for another audience or another method is refused with 401', async () => {
    const wrongAud = await fetch(`${base}/xrpc/${GET_PROFILE}?actor=${alice.did}`, {
      headers: { authorization: `Bearer ${await serviceToken(bob, GET_PROFILE, 'did:web:api.bsky.app')}` },
    })
    assert.equal(wrongAud.status, 401)
    assert.equal(((await wrongAud.json()) as any).error, 'BadJwtAudience')
    const wrongMethod = await fetch(`${base}/xrpc/${GET_PROFILE}?actor=${alice.did}`, {
      headers: { authorization: `Bearer ${await serviceToken(bob, 'app.bsky.feed.getTimeline')}` },
    })
    assert.equal(wrongMethod.status, 401)
    assert.equal(((await wrongMethod.json()) as any).error, 'BadJwtLexiconMethod')
  })
})

describe('the rest of the server', () => {
  test('health, DID document and metrics still answer', async () => {
    const health = await fetch(`${base}/_health`)
    assert.equal(health.status, 200)
    const did = (await (await fetch(`${base}/.well-known/did.json`)).json()) as any
    assert.equal(did.id, SERVICE_DID)
    const metrics = await (await fetch(`${base}/metrics`)).text()
    assert.match(metrics, /magpie_xrpc_request_seconds_count\{nsid="app.bsky.actor.getProfile",status="200"\}/)
  })
})
