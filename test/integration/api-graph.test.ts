import assert from 'node:assert/strict'
import http, { type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import type { Client } from '@opensearch-project/opensearch'
import { createDataPlane } from '#/dataplane/index.js'
import type { DevAccount, DevNetwork } from '#devnet/network.js'
import { listenOn } from '#/server/listen.js'
import { createRecord, startMagpieApi, until as untilAnswer, type Answer, type MagpieApi } from '../helpers/magpie-api.js'

/**
 * The graph, list, mute, feed-generator and labeler methods end to end: records written through
 * a real PDS, carried by its firehose into OpenSearch, read back over HTTP with viewer tokens
 * minted by that PDS; mutes written through Magpie's own procedures. Every 200 answer is checked
 * against the official lexicon.
 */

const MODLIST = 'app.bsky.graph.defs#modlist'
const CURATELIST = 'app.bsky.graph.defs#curatelist'

let api: MagpieApi
let net: DevNetwork
let client: Client
let base: string
let prefix: string
let feedService: Server
let feedServiceDid: string

type Named = 'alice' | 'bob' | 'carol' | 'dave' | 'erin' | 'frank' | 'gina' | 'hank'
const acct = {} as Record<Named, DevAccount>
/** Extra accounts Alice follows, to page through. */
let crowd: DevAccount[] = []
type Fixture =
  | 'daveBlocksAlice' | 'bobBlocksHank' | 'bobBlocksGina' | 'modList' | 'curateList' | 'carolListblock'
  | 'feed' | 'brokenFeed' | 'bobLikesFeed' | 'labeler' | 'bobLikesLabeler' | 'pack' | 'post'
/** URIs of records the assertions refer to (follows and list items by `<kind>:<handle>`). */
const uris = {} as Record<Fixture, string> & Record<string, string>
const cids: Record<string, string> = {}

before(async () => {
  api = await startMagpieApi('api-graph', { IMAGE_CDN_URL: 'https://cdn.magpie.test/img' })
  ;({ net, client, base, prefix } = api)
  feedService = await startFeedService()

  const names: Named[] = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'gina', 'hank']
  const created = await Promise.all(names.map((name) => net.createAccount(name)))
  names.forEach((name, i) => (acct[name] = created[i]!))
  crowd = await Promise.all(['pat', 'pam', 'pia', 'pip', 'pol'].map((name) => net.createAccount(name)))
  await writeFixtures()
})

after(async () => {
  await new Promise<void>((resolve) => feedService.close(() => resolve()))
  await api.close()
})

/** A feed generator service: a did:web whose document names a BskyFeedGenerator endpoint. */
async function startFeedService(): Promise<Server> {
  const service = http.createServer((req, res) => {
    if (req.url !== '/.well-known/did.json') {
      res.statusCode = 404
      res.end()
      return
    }
    res.setHeader('content-type', 'application/json')
    res.end(
      JSON.stringify({
        '@context': ['https://www.w3.org/ns/did/v1'],
        id: feedServiceDid,
        service: [{ id: '#bsky_fg', type: 'BskyFeedGenerator', serviceEndpoint: `http://127.0.0.1:${(service.address() as AddressInfo).port}` }],
      }),
    )
  })
  await listenOn(service, 0, '127.0.0.1')
  feedServiceDid = `did:web:127.0.0.1%3A${(service.address() as AddressInfo).port}`
  return service
}

const now = () => new Date().toISOString()

const create = createRecord

async function writeFixtures() {
  const { alice, bob, carol, dave, erin, frank, gina, hank } = acct
  const follow = async (from: DevAccount, to: DevAccount) =>
    (await create(from.agent, 'app.bsky.graph.follow', { subject: to.did, createdAt: now() })).uri

  // Alice follows six named accounts and the crowd; Dave blocks Alice, so her follow of him is hidden.
  for (const to of [bob, carol, dave, frank, gina, hank, ...crowd]) uris[`aliceFollows:${to.handle}`] = await follow(alice, to)
  for (const from of [bob, carol, dave, erin, crowd[4]!]) uris[`follows:${from.handle}`] = await follow(from, alice)
  uris.daveBlocksAlice = (await create(dave.agent, 'app.bsky.graph.block', { subject: alice.did, createdAt: now() })).uri
  // Bob blocks Hank: Bob, as a viewer, does not see Hank anywhere in Alice's graph.
  uris.bobBlocksHank = (await create(bob.agent, 'app.bsky.graph.block', { subject: hank.did, createdAt: now() })).uri
  uris.bobBlocksGina = (await create(bob.agent, 'app.bsky.graph.block', { subject: gina.did, createdAt: now() })).uri

  // Alice's lists: a mod list (Frank, Gina) and a curation list (Bob, Carol, Dave).
  uris.modList = (await create(alice.agent, 'app.bsky.graph.list', { purpose: MODLIST, name: 'Trolls', description: 'Not nice', createdAt: now() })).uri
  uris.curateList = (await create(alice.agent, 'app.bsky.graph.list', { purpose: CURATELIST, name: 'Pals', createdAt: now() })).uri
  for (const member of [frank, gina]) uris[`mod:${member.handle}`] = (await create(alice.agent, 'app.bsky.graph.listitem', { list: uris.modList, subject: member.did, createdAt: now() })).uri
  for (const member of [bob, carol, dave]) uris[`pals:${member.handle}`] = (await create(alice.agent, 'app.bsky.graph.listitem', { list: uris.curateList, subject: member.did, createdAt: now() })).uri
  // Carol subscribes to Alice's mod list as a block list.
  uris.carolListblock = (await create(carol.agent, 'app.bsky.graph.listblock', { subject: uris.modList, createdAt: now() })).uri

  // Feed generators: one served by a real feed service DID, one whose DID names no feed service.
  const feed = await create(alice.agent, 'app.bsky.feed.generator', { did: feedServiceDid, displayName: 'Cats', description: 'All the cats', createdAt: now() }, 'cats')
  uris.feed = feed.uri
  cids.feed = feed.cid
  uris.brokenFeed = (await create(alice.agent, 'app.bsky.feed.generator', { did: alice.did, displayName: 'Broken', createdAt: now() }, 'broken')).uri
  uris.bobLikesFeed = (await create(bob.agent, 'app.bsky.feed.like', { subject: { uri: feed.uri, cid: feed.cid }, createdAt: now() })).uri

  // Gina runs a labeler, which Bob likes.
  const labeler = await create(
    gina.agent,
    'app.bsky.labeler.service',
    { policies: { labelValues: ['spam', 'rude'] }, reasonTypes: ['com.atproto.moderation.defs#reasonSpam'], createdAt: now() },
    'self',
  )
  uris.labeler = labeler.uri
  uris.bobLikesLabeler = (await create(bob.agent, 'app.bsky.feed.like', { subject: { uri: labeler.uri, cid: labeler.cid }, createdAt: now() })).uri

  // Alice's starter pack: the curation list and the cats feed.
  uris.pack = (await create(alice.agent, 'app.bsky.graph.starterpack', { name: 'Start here', list: uris.curateList, feeds: [{ uri: feed.uri }], createdAt: now() })).uri
  uris.post = (await create(alice.agent, 'app.bsky.feed.post', { text: 'a thread', createdAt: now() })).uri
}

const xrpc = (nsid: string, params: Record<string, string | number | string[]>, viewer?: DevAccount) => api.xrpc(nsid, params, viewer)
const call = (nsid: string, input: unknown, viewer?: DevAccount, lxm?: string) => api.call(nsid, input, viewer, lxm)

async function ok(nsid: string, input: unknown, viewer: DevAccount) {
  const answer = await call(nsid, input, viewer)
  assert.equal(answer.status, 200, JSON.stringify(answer.body))
}

/** Ask until `ready` accepts the answer (ingest is asynchronous), then return it. */
const until = (what: string, ask: () => Promise<Answer>, ready: (a: Answer) => boolean) => untilAnswer(what, ask, ready, 30_000)

/** Every item of a listing, page by page; fails on a repeated cursor. */
const allPages = (nsid: string, params: Record<string, string | number | string[]>, key: string, viewer?: DevAccount) => api.allPages(nsid, params, key, viewer)

const dids = (views: { did: string }[]) => views.map((v) => v.did)
const handleOf = (a: DevAccount) => a.handle
/** The views are of exactly these accounts, in this order. */
const same = (views: { did: string }[] | undefined, expected: string[]) => !!views && JSON.stringify(dids(views)) === JSON.stringify(expected)

describe('follows and followers', () => {
  test('getFollows: newest first, hiding follows across a block', async () => {
    const { alice, bob, carol, dave, frank, gina, hank } = acct
    const expected = [...[...crowd].reverse(), hank, gina, frank, carol, bob].map((a) => a.did)
    const { body } = await until('alice follows indexed', () => xrpc('app.bsky.graph.getFollows', { actor: alice.handle }), (a) => same(a.body.follows, expected))
    // Dave blocks Alice: her follow of him is not shown.
    assert.deepEqual(dids(body.follows), expected)
    assert.equal(body.subject.did, alice.did)
    assert.equal(body.cursor, undefined)
    assert.ok(!dids(body.follows).includes(dave.did))
  })

  test('getFollows: the viewer does not see accounts it has a block with', async () => {
    const { alice, bob, carol, frank, gina, hank } = acct
    const expected = [...[...crowd].reverse(), frank, carol, bob].map((a) => a.did)
    const { body } = await until('bob blocks indexed', () => xrpc('app.bsky.graph.getFollows', { actor: alice.did }, bob), (a) => same(a.body.follows, expected))
    assert.ok(!dids(body.follows).includes(hank.did) && !dids(body.follows).includes(gina.did))
    const carolView = body.follows.find((f: any) => f.did === acct.carol.did)
    assert.equal(carolView.viewer.muted, false)
    assert.equal(body.subject.viewer.following, uris[`follows:${bob.handle}`])
  })

  test('getFollows: paging returns everything once, with no gaps', async () => {
    const { alice } = acct
    const full = (await xrpc('app.bsky.graph.getFollows', { actor: alice.did, limit: 100 })).body.follows
    for (const limit of [1, 2, 3]) {
      const paged = await allPages('app.bsky.graph.getFollows', { actor: alice.did, limit }, 'follows')
      assert.deepEqual(dids(paged), dids(full), `limit ${limit}`)
    }
  })

  test('getFollowers: blocks either way hide a follower; deactivated and taken-down accounts are left out', async () => {
    const { alice, bob, carol, dave, erin } = acct
    const p5 = crowd[4]!
    const expected = [p5.did, erin.did, carol.did, bob.did]
    const { body } = await until('alice followers', () => xrpc('app.bsky.graph.getFollowers', { actor: alice.did }), (a) => same(a.body.followers, expected))
    assert.deepEqual(dids(body.followers), expected)
    assert.ok(!dids(body.followers).includes(dave.did), 'dave blocks alice')
    await net.deactivate(erin.did)
    await net.takedown(p5.did)
    const after = await until('erin and p5 gone', () => xrpc('app.bsky.graph.getFollowers', { actor: alice.did }), (a) => same(a.body.followers, [carol.did, bob.did]))
    assert.deepEqual(dids(after.body.followers), [carol.did, bob.did])
    const gone = await until('p5 not found', () => xrpc('app.bsky.graph.getFollows', { actor: p5.did }), (a) => a.status === 400)
    assert.deepEqual(gone.body, { error: 'InvalidRequest', message: `Actor not found: ${p5.did}` })
    const paged = await allPages('app.bsky.graph.getFollowers', { actor: alice.did, limit: 1 }, 'followers')
    assert.deepEqual(dids(paged), [carol.did, bob.did])
  })

  test('getKnownFollowers: the viewer\'s follows that follow the actor; auth required', async () => {
    const { alice, bob, carol } = acct
    // Of the accounts Bob follows (Alice), those that follow Carol.
    const { body } = await until('known followers', () => xrpc('app.bsky.graph.getKnownFollowers', { actor: carol.did }, bob), (a) => a.body.followers?.length === 1)
    assert.deepEqual(dids(body.followers), [alice.did])
    assert.equal(body.subject.did, carol.did)
    const anonymous = await xrpc('app.bsky.graph.getKnownFollowers', { actor: carol.did })
    assert.equal(anonymous.status, 401)
  })
})

describe('relationships', () => {
  test('getRelationships: follows and blocks both ways, not-found handles, self', async () => {
    const { alice, bob, dave, hank } = acct
    const unknown = 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa'
    const { body } = await until(
      'relationships',
      () => xrpc('app.bsky.graph.getRelationships', { actor: bob.handle, others: [alice.did, hank.did, dave.handle, bob.did, unknown] }),
      (a) => !!a.body.relationships?.[1]?.blocking,
    )
    assert.equal(body.actor, bob.did)
    assert.deepEqual(body.relationships, [
      { $type: 'app.bsky.graph.defs#relationship', did: alice.did, following: uris[`follows:${bob.handle}`], followedBy: uris[`aliceFollows:${bob.handle}`] },
      { $type: 'app.bsky.graph.defs#relationship', did: hank.did, blocking: uris.bobBlocksHank },
      { $type: 'app.bsky.graph.defs#notFoundActor', actor: dave.handle, notFound: true },
      { $type: 'app.bsky.graph.defs#relationship', did: bob.did },
      { $type: 'app.bsky.graph.defs#relationship', did: unknown },
    ])
    const blocked = await xrpc('app.bsky.graph.getRelationships', { actor: alice.did, others: [dave.did] })
    assert.equal(blocked.body.relationships[0].blockedBy, uris.daveBlocksAlice)
    const none = await xrpc('app.bsky.graph.getRelationships', { actor: 'nobody.test', others: [alice.did] })
    assert.deepEqual(none.body, { relationships: [{ $type: 'app.bsky.graph.defs#notFoundActor', actor: alice.did, notFound: true }] })
  })

  test('getBlocks: the viewer\'s own blocks, paged', async () => {
    const { bob, gina, hank } = acct
    const { body } = await until('bob blocks', () => xrpc('app.bsky.graph.getBlocks', {}, bob), (a) => a.body.blocks?.length === 2)
    assert.deepEqual(dids(body.blocks), [gina.did, hank.did])
    assert.equal(body.blocks[0].viewer.blocking, uris.bobBlocksGina)
    assert.deepEqual(dids(await allPages('app.bsky.graph.getBlocks', { limit: 1 }, 'blocks', bob)), [gina.did, hank.did])
    assert.deepEqual((await xrpc('app.bsky.graph.getBlocks', {}, acct.frank)).body.blocks, [])
    assert.equal((await xrpc('app.bsky.graph.getBlocks', {})).status, 401)
  })
})

describe('lists', () => {
  test('getLists: newest first, purposes filter, paging', async () => {
    const { alice } = acct
    const { body } = await until('alice lists', () => xrpc('app.bsky.graph.getLists', { actor: alice.did }), (a) => a.body.lists?.length === 2 && a.body.lists[1].listItemCount === 2)
    assert.deepEqual(body.lists.map((l: any) => l.uri), [uris.curateList, uris.modList])
    const mod = body.lists[1]
    assert.equal(mod.name, 'Trolls')
    assert.equal(mod.description, 'Not nice')
    assert.equal(mod.creator.did, alice.did)
    assert.equal(mod.listItemCount, 2)
    for (const purposes of [['modlist'], [MODLIST]]) {
      const only = await xrpc('app.bsky.graph.getLists', { actor: alice.did, purposes })
      assert.deepEqual(only.body.lists.map((l: any) => l.uri), [uris.modList])
    }
    const none = await xrpc('app.bsky.graph.getLists', { actor: alice.did, purposes: ['referencelist'] })
    assert.deepEqual(none.body.lists, [])
    const paged = await allPages('app.bsky.graph.getLists', { actor: alice.did, limit: 1 }, 'lists')
    assert.deepEqual(paged.map((l: any) => l.uri), [uris.curateList, uris.modList])
    assert.deepEqual((await xrpc('app.bsky.graph.getLists', { actor: 'nobody.test' })).body, { error: 'InvalidRequest', message: 'Profile not found' })
  })

  test('getList: members newest first; a curation list hides members with a block with its creator, except from the creator', async () => {
    const { alice, bob, carol, dave } = acct
    const { body } = await until('pals', () => xrpc('app.bsky.graph.getList', { list: uris.curateList }), (a) => a.body.list?.listItemCount === 3)
    assert.deepEqual(body.items.map((i: any) => i.subject.did), [carol.did, bob.did])
    assert.equal(body.items[0].uri, uris[`pals:${carol.handle}`])
    assert.equal(body.list.listItemCount, 3)
    const asAlice = await xrpc('app.bsky.graph.getList', { list: uris.curateList }, alice)
    assert.deepEqual(asAlice.body.items.map((i: any) => i.subject.did), [dave.did, carol.did, bob.did])
    const paged = await allPages('app.bsky.graph.getList', { list: uris.curateList, limit: 1 }, 'items', alice)
    assert.deepEqual(paged.map((i: any) => i.subject.did), [dave.did, carol.did, bob.did])
    const missing = await xrpc('app.bsky.graph.getList', { list: `at://${alice.did}/app.bsky.graph.list/3aaaaaaaaaaaa` })
    assert.deepEqual(missing, { status: 400, body: { error: 'InvalidRequest', message: 'List not found' } })
  })

  test('getListBlocks: the lists the viewer subscribes to as block lists', async () => {
    const { carol, bob } = acct
    const { body } = await until('carol listblocks', () => xrpc('app.bsky.graph.getListBlocks', {}, carol), (a) => a.body.lists?.length === 1)
    assert.equal(body.lists[0].uri, uris.modList)
    assert.equal(body.lists[0].viewer.blocked, uris.carolListblock)
    assert.deepEqual((await xrpc('app.bsky.graph.getListBlocks', {}, bob)).body.lists, [])
    assert.equal((await xrpc('app.bsky.graph.getListBlocks', {})).status, 401)
  })
})

describe('mutes', () => {
  test('procedures need a token for their own method', async () => {
    const { bob, carol } = acct
    assert.equal((await call('app.bsky.graph.muteActor', { actor: carol.did })).status, 401)
    const wrongMethod = await call('app.bsky.graph.muteActor', { actor: carol.did }, bob, 'app.bsky.graph.unmuteActor')
    assert.equal(wrongMethod.status, 401)
    assert.equal(wrongMethod.body.error, 'BadJwtLexiconMethod')
    assert.equal((await xrpc('app.bsky.graph.getMutes', {})).status, 401)
    assert.equal((await xrpc('app.bsky.graph.getListMutes', {})).status, 401)
  })

  test('bad input is InvalidRequest', async () => {
    const { bob } = acct
    const cases: [string, unknown, string][] = [
      ['app.bsky.graph.muteActor', {}, 'Input/actor is required'],
      ['app.bsky.graph.muteActor', { actor: 'not a handle' }, 'Input/actor must be a valid handle or DID'],
      ['app.bsky.graph.muteActor', { actor: bob.did }, 'Actor cannot mute themselves'],
      ['app.bsky.graph.muteActor', { actor: 'nobody.test' }, 'Actor not found'],
      ['app.bsky.graph.muteActorList', { list: uris.post }, 'list must be an AT URI of a app.bsky.graph.list record'],
      ['app.bsky.graph.muteThread', { root: uris.modList }, 'root must be an AT URI of a app.bsky.feed.post record'],
      ['app.bsky.graph.muteActor', { actor: bob.did, onlyReposts: 'yes' }, 'Input/onlyReposts must be a boolean'],
    ]
    for (const [nsid, input, message] of cases) {
      assert.deepEqual(await call(nsid, input, bob), { status: 400, body: { error: 'InvalidRequest', message } }, `${nsid} ${JSON.stringify(input)}`)
    }
  })

  test('muting an account shows in the muter\'s views only', async () => {
    const { alice, bob, carol, gina } = acct
    await ok('app.bsky.graph.muteActor', { actor: carol.handle }, bob)
    const asBob = await xrpc('app.bsky.actor.getProfile', { actor: carol.did }, bob)
    assert.equal(asBob.body.viewer.muted, true)
    assert.equal(asBob.body.viewer.mutedByList, undefined)
    // Nobody else sees Bob's mute, and Carol herself does not learn of it.
    for (const viewer of [gina, carol, alice]) {
      const other = await xrpc('app.bsky.actor.getProfile', { actor: carol.did }, viewer)
      assert.equal(other.body.viewer.muted, false)
    }
    const asCarol = await xrpc('app.bsky.actor.getProfile', { actor: bob.did }, carol)
    assert.equal(asCarol.body.viewer.muted, false)
    assert.deepEqual(dids((await xrpc('app.bsky.graph.getMutes', {}, bob)).body.mutes), [carol.did])
    assert.deepEqual((await xrpc('app.bsky.graph.getMutes', {}, gina)).body.mutes, [])
    assert.deepEqual((await xrpc('app.bsky.graph.getMutes', {}, carol)).body.mutes, [])
    // The public relationships carry no mutes.
    const rel = await xrpc('app.bsky.graph.getRelationships', { actor: bob.did, others: [carol.did] })
    assert.ok(!Object.keys(rel.body.relationships[0]).some((key) => key.startsWith('mute')))
  })

  test('scoped mutes: only reposts / quote posts; a repeat replaces the scope; unmute', async () => {
    const { bob, dave } = acct
    await ok('app.bsky.graph.muteActor', { actor: dave.did, onlyReposts: true }, bob)
    let view = (await xrpc('app.bsky.actor.getProfile', { actor: dave.did }, bob)).body.viewer
    assert.deepEqual([view.muted, view.mutedOnlyReposts, view.mutedOnlyQuoteposts], [false, true, false])
    // Scoped mutes are not listed by getMutes.
    assert.ok(!dids((await xrpc('app.bsky.graph.getMutes', {}, bob)).body.mutes).includes(dave.did))
    await ok('app.bsky.graph.muteActor', { actor: dave.did, onlyQuoteposts: true }, bob)
    view = (await xrpc('app.bsky.actor.getProfile', { actor: dave.did }, bob)).body.viewer
    assert.deepEqual([view.muted, view.mutedOnlyReposts, view.mutedOnlyQuoteposts], [false, false, true])
    await ok('app.bsky.graph.muteActor', { actor: dave.did }, bob)
    view = (await xrpc('app.bsky.actor.getProfile', { actor: dave.did }, bob)).body.viewer
    assert.deepEqual([view.muted, view.mutedOnlyReposts, view.mutedOnlyQuoteposts], [true, false, false])
    await ok('app.bsky.graph.unmuteActor', { actor: dave.handle }, bob)
    view = (await xrpc('app.bsky.actor.getProfile', { actor: dave.did }, bob)).body.viewer
    assert.deepEqual([view.muted, view.mutedOnlyReposts, view.mutedOnlyQuoteposts], [false, false, false])
    // Unmuting what is not muted is fine.
    await ok('app.bsky.graph.unmuteActor', { actor: dave.did }, bob)
  })

  test('getMutes pages through every muted account once, newest mute first', async () => {
    const { bob, carol } = acct
    for (const p of crowd.slice(0, 3)) await ok('app.bsky.graph.muteActor', { actor: p.did }, bob)
    const expected = [crowd[2]!.did, crowd[1]!.did, crowd[0]!.did, carol.did]
    assert.deepEqual(dids((await xrpc('app.bsky.graph.getMutes', {}, bob)).body.mutes), expected)
    for (const limit of [1, 3]) assert.deepEqual(dids(await allPages('app.bsky.graph.getMutes', { limit }, 'mutes', bob)), expected)
    for (const p of crowd.slice(0, 3)) await ok('app.bsky.graph.unmuteActor', { actor: p.did }, bob)
    assert.deepEqual(dids((await xrpc('app.bsky.graph.getMutes', {}, bob)).body.mutes), [carol.did])
  })

  test('muting a mod list mutes its members (mutedByList), for the muter only', async () => {
    const { bob, frank, gina } = acct
    await until('mod list indexed', () => xrpc('app.bsky.graph.getList', { list: uris.modList }), (a) => a.body.items?.length === 2)
    await ok('app.bsky.graph.muteActorList', { list: uris.modList }, bob)
    const asBob = await xrpc('app.bsky.actor.getProfile', { actor: frank.did }, bob)
    assert.equal(asBob.body.viewer.muted, true)
    assert.equal(asBob.body.viewer.mutedByList.uri, uris.modList)
    assert.equal(asBob.body.viewer.mutedByList.viewer.muted, true)
    const asGina = await xrpc('app.bsky.actor.getProfile', { actor: frank.did }, gina)
    assert.equal(asGina.body.viewer.muted, false)
    assert.equal(asGina.body.viewer.mutedByList, undefined)
    // The list's own view says whether the viewer mutes it.
    assert.equal((await xrpc('app.bsky.graph.getList', { list: uris.modList }, bob)).body.list.viewer.muted, true)
    assert.equal((await xrpc('app.bsky.graph.getList', { list: uris.modList }, gina)).body.list.viewer.muted, false)
    const mutes = await xrpc('app.bsky.graph.getListMutes', {}, bob)
    assert.deepEqual(mutes.body.lists.map((l: any) => l.uri), [uris.modList])
    assert.deepEqual((await xrpc('app.bsky.graph.getListMutes', {}, gina)).body.lists, [])
    // A muted list's members are not listed as muted accounts.
    assert.ok(!dids((await xrpc('app.bsky.graph.getMutes', {}, bob)).body.mutes).includes(frank.did))
  })

  test('muting a curation list mutes no one; unmuting a list', async () => {
    const { bob, carol } = acct
    await ok('app.bsky.graph.muteActorList', { list: uris.curateList }, bob)
    const lists = await xrpc('app.bsky.graph.getListMutes', {}, bob)
    assert.deepEqual(lists.body.lists.map((l: any) => l.uri), [uris.curateList, uris.modList])
    assert.deepEqual((await allPages('app.bsky.graph.getListMutes', { limit: 1 }, 'lists', bob)).map((l: any) => l.uri), [uris.curateList, uris.modList])
    // Carol is on the curation list but is not muted through it (she is muted directly).
    assert.equal((await xrpc('app.bsky.actor.getProfile', { actor: carol.did }, bob)).body.viewer.mutedByList, undefined)
    await ok('app.bsky.graph.unmuteActorList', { list: uris.curateList }, bob)
    await ok('app.bsky.graph.unmuteActorList', { list: uris.modList }, bob)
    assert.deepEqual((await xrpc('app.bsky.graph.getListMutes', {}, bob)).body.lists, [])
    assert.equal((await xrpc('app.bsky.actor.getProfile', { actor: acct.frank.did }, bob)).body.viewer.muted, false)
  })

  test('thread mutes are stored per viewer', async () => {
    const { bob, gina } = acct
    await ok('app.bsky.graph.muteThread', { root: uris.post }, bob)
    const dataplane = createDataPlane({ client, prefix, cacheTtlMs: 0 })
    assert.deepEqual([...(await dataplane.getMutesOf(bob.did, 'thread', [uris.post])).keys()], [uris.post])
    assert.equal((await dataplane.getMutesOf(gina.did, 'thread', [uris.post])).size, 0)
    await ok('app.bsky.graph.unmuteThread', { root: uris.post }, bob)
    assert.equal((await dataplane.getMutesOf(bob.did, 'thread', [uris.post])).size, 0)
  })
})

describe('starter packs', () => {
  test('getStarterPack: the full view with feeds, list and a member sample that leaves out blocked members', async () => {
    const { alice, bob, carol } = acct
    const { body } = await until(
      'starter pack',
      () => xrpc('app.bsky.graph.getStarterPack', { starterPack: uris.pack }),
      (a) => a.status === 200 && a.body.starterPack.feeds.length === 1 && a.body.starterPack.listItemsSample.length === 2,
    )
    const pack = body.starterPack
    assert.equal(pack.creator.did, alice.did)
    assert.equal(pack.record.name, 'Start here')
    assert.equal(pack.list.uri, uris.curateList)
    assert.equal(pack.list.listItemCount, 3)
    assert.equal(pack.feeds[0].uri, uris.feed)
    // Dave blocks Alice: he is left out of the sample (Carol and Bob each have one follower).
    assert.deepEqual(new Set(pack.listItemsSample.map((i: any) => i.subject.did)), new Set([carol.did, bob.did]))
    const asAlice = await xrpc('app.bsky.graph.getStarterPack', { starterPack: uris.pack.replace(alice.did, alice.handle) }, alice)
    assert.equal(asAlice.body.starterPack.listItemsSample.length, 3)
    const missing = await xrpc('app.bsky.graph.getStarterPack', { starterPack: `at://${alice.did}/app.bsky.graph.starterpack/3aaaaaaaaaaaa` })
    assert.deepEqual(missing.body, { error: 'InvalidRequest', message: 'Starter pack not found' })
  })

  test('getStarterPacks and getActorStarterPacks', async () => {
    const { alice } = acct
    const missing = `at://${alice.did}/app.bsky.graph.starterpack/3aaaaaaaaaaaa`
    const { body } = await xrpc('app.bsky.graph.getStarterPacks', { uris: [uris.pack!, missing, uris.pack!] })
    assert.deepEqual(body.starterPacks.map((p: any) => p.uri), [uris.pack, uris.pack])
    const actor = await xrpc('app.bsky.graph.getActorStarterPacks', { actor: alice.handle })
    assert.deepEqual(actor.body.starterPacks.map((p: any) => p.uri), [uris.pack])
    assert.equal(actor.body.starterPacks[0].creator.did, alice.did)
    assert.deepEqual((await xrpc('app.bsky.graph.getActorStarterPacks', { actor: acct.bob.did })).body.starterPacks, [])
  })
})

describe('feed generators', () => {
  test('getFeedGenerator: the view, likes, and the feed service\'s DID document checked', async () => {
    const { alice, bob, gina } = acct
    const { body } = await until('feed liked', () => xrpc('app.bsky.feed.getFeedGenerator', { feed: uris.feed }, bob), (a) => a.body.view?.likeCount === 1)
    assert.equal(body.isOnline, true)
    assert.equal(body.isValid, true)
    assert.equal(body.view.did, feedServiceDid)
    assert.equal(body.view.cid, cids.feed)
    assert.equal(body.view.displayName, 'Cats')
    assert.equal(body.view.description, 'All the cats')
    assert.equal(body.view.creator.did, alice.did)
    assert.equal(body.view.viewer.like, uris.bobLikesFeed)
    assert.equal((await xrpc('app.bsky.feed.getFeedGenerator', { feed: uris.feed }, gina)).body.view.viewer.like, undefined)
    assert.equal((await xrpc('app.bsky.feed.getFeedGenerator', { feed: uris.feed })).body.view.viewer, undefined)
    const broken = await until('broken feed', () => xrpc('app.bsky.feed.getFeedGenerator', { feed: uris.brokenFeed }), (a) => a.body.message !== 'could not find feed')
    assert.deepEqual(broken.body, { error: 'InvalidRequest', message: `invalid feed generator service details in did document: ${alice.did}` })
    const missing = await xrpc('app.bsky.feed.getFeedGenerator', { feed: `at://${alice.did}/app.bsky.feed.generator/nope` })
    assert.deepEqual(missing.body, { error: 'InvalidRequest', message: 'could not find feed' })
  })

  test('getFeedGenerators and getActorFeeds', async () => {
    const { alice } = acct
    const missing = `at://${alice.did}/app.bsky.feed.generator/nope`
    const { body } = await xrpc('app.bsky.feed.getFeedGenerators', { feeds: [uris.brokenFeed!, missing, uris.feed!] })
    assert.deepEqual(body.feeds.map((f: any) => f.uri), [uris.brokenFeed, uris.feed])
    const actor = await xrpc('app.bsky.feed.getActorFeeds', { actor: alice.did })
    assert.deepEqual(actor.body.feeds.map((f: any) => f.uri), [uris.brokenFeed, uris.feed])
    const paged = await allPages('app.bsky.feed.getActorFeeds', { actor: alice.did, limit: 1 }, 'feeds')
    assert.deepEqual(paged.map((f: any) => f.uri), [uris.brokenFeed, uris.feed])
  })
})

describe('labelers', () => {
  test('getServices: basic and detailed views with likes', async () => {
    const { bob, gina, alice } = acct
    const { body } = await until('labeler liked', () => xrpc('app.bsky.labeler.getServices', { dids: [gina.did, alice.did] }, bob), (a) => a.body.views?.[0]?.likeCount === 1)
    assert.equal(body.views.length, 1)
    const view = body.views[0]
    assert.equal(view.$type, 'app.bsky.labeler.defs#labelerView')
    assert.equal(view.uri, uris.labeler)
    assert.equal(view.creator.did, gina.did)
    assert.equal(view.creator.associated?.labeler, true)
    assert.equal(view.viewer.like, uris.bobLikesLabeler)
    assert.equal(view.policies, undefined)
    const detailed = await xrpc('app.bsky.labeler.getServices', { dids: gina.did, detailed: 'true' })
    const d = detailed.body.views[0]
    assert.equal(d.$type, 'app.bsky.labeler.defs#labelerViewDetailed')
    assert.deepEqual(d.policies, { labelValues: ['spam', 'rude'] })
    assert.deepEqual(d.reasonTypes, ['com.atproto.moderation.defs#reasonSpam'])
    assert.equal(d.viewer, undefined)
  })
})

describe('parameters', () => {
  test('bad parameters are InvalidRequest', async () => {
    const { alice } = acct
    const cases: [string, Record<string, string | string[]>][] = [
      ['app.bsky.graph.getFollows', {}],
      ['app.bsky.graph.getFollows', { actor: alice.did, limit: '0' }],
      ['app.bsky.graph.getFollows', { actor: alice.did, limit: '101' }],
      ['app.bsky.graph.getFollows', { actor: alice.did, cursor: 'bm90IGEgY3Vyc29y' }],
      ['app.bsky.graph.getFollowers', { actor: alice.did, cursor: Buffer.from('["x","y","z"]').toString('base64url') }],
      ['app.bsky.graph.getList', { list: 'not-a-uri' }],
      ['app.bsky.graph.getStarterPacks', { uris: Array.from({ length: 26 }, () => uris.pack!) }],
      ['app.bsky.graph.getRelationships', { actor: alice.did, others: Array.from({ length: 31 }, () => alice.did) }],
      ['app.bsky.labeler.getServices', { dids: ['alice.test'] }],
      ['app.bsky.labeler.getServices', { dids: [alice.did], detailed: 'maybe' }],
      ['app.bsky.feed.getFeedGenerators', {}],
    ]
    for (const [nsid, params] of cases) {
      const { status, body } = await xrpc(nsid, params)
      assert.equal(status, 400, `${nsid} ${JSON.stringify(params)}: ${JSON.stringify(body)}`)
      assert.equal(body.error, 'InvalidRequest')
    }
    const malformed = await xrpc('app.bsky.graph.getFollows', { actor: alice.did, cursor: 'bm90IGEgY3Vyc29y' })
    assert.equal(malformed.body.message, 'Malformed cursor')
  })

  test('handles work wherever an actor is asked for', async () => {
    const { alice } = acct
    const byHandle = await xrpc('app.bsky.graph.getFollowers', { actor: handleOf(alice) })
    const byDid = await xrpc('app.bsky.graph.getFollowers', { actor: alice.did })
    assert.deepEqual(byHandle.body, byDid.body)
  })
})
