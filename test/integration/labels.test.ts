import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { Secp256k1Keypair } from '@atproto/crypto'
import type { DevAccount } from '#devnet/network.js'
import { startLabelIngest } from '#/ingest/labels/start.js'
import { labelCursorKey, type LabelerSubscriptionSummary } from '#/ingest/labels/label-subscriber.js'
import { createLogger } from '#/log.js'
import { StateStore } from '#/store/state.js'
import { startTestLabeler, type TestLabeler } from '../helpers/labeler.js'
import { createRecord, startMagpieApi, until, type Answer, type MagpieApi } from '../helpers/magpie-api.js'

/**
 * Labels from labeler services end to end: two real labelers (did:web documents on 127.0.0.1,
 * subscribeLabels websockets with signed DAG-CBOR frames) — one configured as Magpie's
 * moderation service, one as a further labeler — their labels ingested into OpenSearch and
 * applied to answers over HTTP, as the atproto-accept-labelers header of each request asks.
 */

const GET_POSTS = 'app.bsky.feed.getPosts'
const GET_PROFILE = 'app.bsky.actor.getProfile'

let api: MagpieApi
let mod: TestLabeler
let third: TestLabeler
let alice: DevAccount, bob: DevAccount, carol: DevAccount
const posts: Record<string, { uri: string; cid: string }> = {}
let ingest: { stop: AbortController; done: Promise<LabelerSubscriptionSummary[]> }
/** How far the read API's clock runs ahead of the real one: moved to see a label expire without waiting for it. */
let clockAhead = 0

const log = createLogger(process.env.LOG_LEVEL ?? 'warn')

function startIngest(): typeof ingest {
  const stop = new AbortController()
  return { stop, done: startLabelIngest(api.config, api.client, log, { signal: stop.signal }) }
}

before(async () => {
  ;[mod, third] = await Promise.all([startTestLabeler(), startTestLabeler()])
  api = await startMagpieApi('labels', { MOD_SERVICE_DID: mod.did, LABELER_DIDS: third.did }, { now: () => Date.now() + clockAhead })
  ;[alice, bob, carol] = (await Promise.all(['alice', 'bob', 'carol'].map((name) => api.net.createAccount(name)))) as [DevAccount, DevAccount, DevAccount]
  for (const name of ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7']) {
    posts[name] = await createRecord(alice.agent, 'app.bsky.feed.post', { text: name, createdAt: new Date().toISOString() })
  }
  posts.bob = await createRecord(bob.agent, 'app.bsky.feed.post', { text: 'by bob', createdAt: new Date().toISOString() })
  posts.carol = await createRecord(carol.agent, 'app.bsky.feed.post', { text: 'by carol', createdAt: new Date().toISOString() })
  await until('the posts are indexed', () => getPosts(Object.values(posts).map((p) => p.uri)), (a) => a.body.posts?.length === 9)
  ingest = startIngest()
})

after(async () => {
  ingest.stop.abort()
  await ingest.done
  await Promise.all([mod.close(), third.close()])
  await api.close()
})

function getPosts(uris: string[], accept?: string): Promise<Answer & { headers: Headers }> {
  return api.xrpcWithHeaders(GET_POSTS, { uris }, { headers: accept === undefined ? {} : { 'atproto-accept-labelers': accept } })
}

/** `src val` of the labels on the one post asked for ('gone' when it is not answered). */
async function labelsOf(uri: string, accept?: string): Promise<string[] | 'gone'> {
  const { body } = await getPosts([uri], accept)
  const post = body.posts[0]
  return post ? post.labels.map((l: { src: string; val: string }) => `${l.src === mod.did ? 'mod' : l.src === third.did ? 'third' : l.src} ${l.val}`) : 'gone'
}

function labelsBecome(what: string, uri: string, expected: string[] | 'gone', accept?: string): Promise<unknown> {
  return until(what, async () => ({ status: 200, body: await labelsOf(uri, accept) }), (a) => JSON.stringify(a.body) === JSON.stringify(expected))
}

test('labels show for a client that accepts their labeler and not for one that does not; the response says which applied', async () => {
  await third.emit([{ uri: posts.p1!.uri, cid: posts.p1!.cid, val: 'spam' }])
  // No header: the configured labelers apply (and their takedowns, as ;redact says).
  await labelsBecome('the label on p1', posts.p1!.uri, ['third spam'])
  const plain = await getPosts([posts.p1!.uri])
  assert.equal(plain.headers.get('atproto-content-labelers'), `${mod.did};redact,${third.did};redact`)
  const label = plain.body.posts[0].labels[0]
  assert.deepEqual(Object.keys(label).sort(), ['cid', 'cts', 'src', 'uri', 'val'])
  assert.equal(label.cid, posts.p1!.cid)

  // A client that names only the moderation service does not see the third labeler's labels.
  assert.deepEqual(await labelsOf(posts.p1!.uri, mod.did), [])
  const modOnly = await getPosts([posts.p1!.uri], mod.did)
  assert.equal(modOnly.headers.get('atproto-content-labelers'), `${mod.did};redact`)
  // One that names it does; a labeler Magpie does not ingest is not claimed as applied.
  const named = await getPosts([posts.p1!.uri], `${third.did}, did:plc:unknownunknownunknownunkn;redact`)
  assert.deepEqual(named.body.posts[0].labels.map((l: { val: string }) => l.val), ['spam'])
  assert.equal(named.headers.get('atproto-content-labelers'), `${mod.did};redact,${third.did}`)
  // The moderation service applies even to a client that asks for no labeler at all.
  assert.equal((await getPosts([posts.p1!.uri], '')).headers.get('atproto-content-labelers'), `${mod.did};redact`)
  // An endpoint that builds no views claims no labelers.
  const rel = await api.xrpcWithHeaders('app.bsky.graph.getRelationships', { actor: alice.did, others: [bob.did] }, {})
  assert.equal(rel.status, 200)
  assert.equal(rel.headers.get('atproto-content-labelers'), null)
})

test('labels on an account show on its profile and wherever it is the author', async () => {
  await third.emit([{ uri: bob.did, val: 'rude' }])
  const profile = await until('the label on bob', () => api.xrpc(GET_PROFILE, { actor: bob.did }), (a) => a.body.labels?.length === 1)
  assert.equal(profile.body.labels[0].val, 'rude')
  assert.equal(profile.body.labels[0].src, third.did)
  const { body } = await getPosts([posts.bob!.uri])
  assert.deepEqual(body.posts[0].author.labels.map((l: { val: string }) => l.val), ['rude'])
  assert.deepEqual(body.posts[0].labels, [])
  const modOnly = await api.xrpcWithHeaders(GET_PROFILE, { actor: bob.did }, { headers: { 'atproto-accept-labelers': mod.did } })
  assert.deepEqual(modOnly.body.labels, [])
})

test('a negation removes a label, and an older label arriving after it does not bring it back', async () => {
  const first = new Date(Date.now() - 60_000).toISOString()
  await third.emit([{ uri: posts.p2!.uri, val: 'spam', cts: first }])
  await labelsBecome('the label on p2', posts.p2!.uri, ['third spam'])
  await third.emit([{ uri: posts.p2!.uri, val: 'spam', neg: true }])
  await labelsBecome('the negation of p2', posts.p2!.uri, [])
  // A replay of the older label, then a marker: once the marker shows, the replay was handled.
  await third.emit([{ uri: posts.p2!.uri, val: 'spam', cts: first }])
  await third.emit([{ uri: posts.p7!.uri, val: 'marker' }])
  await labelsBecome('the marker on p7', posts.p7!.uri, ['third marker'])
  assert.deepEqual(await labelsOf(posts.p2!.uri), [])
})

test('expired labels are not applied', async () => {
  const hour = 3_600_000
  // One creation time for all three (each label otherwise takes the clock as it is made, and two
  // may fall in different milliseconds): labels made at once are answered by value.
  const cts = new Date().toISOString()
  await third.emit([
    { uri: posts.p3!.uri, val: 'expired', cts, exp: new Date(Date.now() - 1000).toISOString() },
    { uri: posts.p3!.uri, val: 'lasting', cts, exp: new Date(Date.now() + 24 * hour).toISOString() },
    { uri: posts.p3!.uri, val: 'brief', cts, exp: new Date(Date.now() + hour).toISOString() },
  ])
  await labelsBecome('the live labels on p3', posts.p3!.uri, ['third brief', 'third lasting'])
  // Two hours on, by the read API's clock (not the machine's speed), the brief one has lapsed.
  clockAhead = 2 * hour
  try {
    await labelsBecome('the brief label to expire', posts.p3!.uri, ['third lasting'])
  } finally {
    clockAhead = 0
  }
})

test('a !takedown from the moderation service hides the post and the account, whatever the client accepts', async () => {
  await mod.emit([{ uri: posts.p4!.uri, val: '!takedown' }, { uri: carol.did, val: '!takedown' }])
  await labelsBecome('p4 to be hidden', posts.p4!.uri, 'gone')
  assert.equal(await labelsOf(posts.p4!.uri, ''), 'gone')
  assert.equal(await labelsOf(posts.p4!.uri, third.did), 'gone')
  const thread = await api.xrpc('app.bsky.feed.getPostThread', { uri: posts.p4!.uri })
  assert.equal(thread.status, 400)
  assert.equal(thread.body.error, 'NotFound')

  await labelsBecome("carol's post to be hidden", posts.carol!.uri, 'gone')
  const profile = await api.xrpc(GET_PROFILE, { actor: carol.did })
  assert.equal(profile.status, 400)
  assert.equal(profile.body.error, 'AccountTakedown')
  const profiles = await api.xrpc('app.bsky.actor.getProfiles', { actors: [carol.did, alice.did] })
  assert.deepEqual(profiles.body.profiles.map((p: { did: string }) => p.did), [alice.did])
  const feed = await api.xrpc('app.bsky.feed.getAuthorFeed', { actor: carol.did })
  assert.deepEqual(feed.body.feed, [])
})

test("another labeler's !takedown hides only for clients that apply its takedowns (;redact)", async () => {
  await third.emit([{ uri: posts.p5!.uri, val: '!takedown' }])
  // The defaults carry redact.
  await labelsBecome('p5 to be hidden by default', posts.p5!.uri, 'gone')
  assert.deepEqual(await labelsOf(posts.p5!.uri, third.did), ['third !takedown'])
  assert.equal(await labelsOf(posts.p5!.uri, `${third.did};redact`), 'gone')
})

test('forged, unsigned and badly signed labels and malformed frames are skipped; the stream goes on', async () => {
  const stranger = await Secp256k1Keypair.create()
  // The third labeler claims to speak for the moderation service.
  await third.emit([{ uri: posts.p6!.uri, val: '!takedown', src: mod.did }])
  await third.emit([{ uri: posts.p6!.uri, val: 'unsigned' }], { unsigned: true })
  await third.emit([{ uri: posts.p6!.uri, val: 'badsig' }], { signWith: stranger })
  third.emitRaw(new Uint8Array([0xa2, 0x01, 0xff, 0x13]))
  await third.emit([{ uri: posts.p6!.uri, val: 'bad-date', cts: 'not a date' }])
  await third.emit([{ uri: posts.p6!.uri, val: 'after' }])
  await labelsBecome('the label after the bad ones', posts.p6!.uri, ['third after'])
  assert.deepEqual(await labelsOf(posts.p6!.uri, `${mod.did};redact,${third.did}`), ['third after'])
})

test('lists, feed generators and starter packs carry their labels; a takedown hides them', async () => {
  const now = () => new Date().toISOString()
  const list = await createRecord(alice.agent, 'app.bsky.graph.list', { purpose: 'app.bsky.graph.defs#curatelist', name: 'Friends', createdAt: now() })
  const feed = await createRecord(alice.agent, 'app.bsky.feed.generator', { did: 'did:web:feeds.example.com', displayName: 'Cats', createdAt: now() }, 'cats')
  const gone = await createRecord(alice.agent, 'app.bsky.feed.generator', { did: 'did:web:feeds.example.com', displayName: 'Dogs', createdAt: now() }, 'dogs')
  const pack = await createRecord(alice.agent, 'app.bsky.graph.starterpack', { name: 'Start here', list: list.uri, feeds: [{ uri: feed.uri }], createdAt: now() })
  await third.emit([list, feed, pack].map(({ uri }) => ({ uri, val: 'odd' })))
  await mod.emit([{ uri: gone.uri, val: '!takedown' }])
  const vals = (view: { labels?: { val: string }[] } | undefined) => view?.labels?.map((l) => l.val)

  const packView = await until(
    'the starter pack and its labels',
    () => api.xrpc('app.bsky.graph.getStarterPack', { starterPack: pack.uri }),
    (a) => a.status === 200 && a.body.starterPack.labels.length === 1 && a.body.starterPack.list?.labels.length === 1,
  )
  assert.deepEqual(vals(packView.body.starterPack), ['odd'])
  assert.deepEqual(vals(packView.body.starterPack.list), ['odd'])
  assert.deepEqual(packView.body.starterPack.feeds.map(vals), [['odd']])
  const lists = await api.xrpc('app.bsky.graph.getList', { list: list.uri })
  assert.deepEqual(vals(lists.body.list), ['odd'])
  const feeds = await until('the taken-down generator to be hidden', () => api.xrpc('app.bsky.feed.getFeedGenerators', { feeds: [feed.uri, gone.uri] }), (a) => a.body.feeds?.length === 1)
  assert.deepEqual(feeds.body.feeds.map((f: { uri: string }) => f.uri), [feed.uri])
  assert.deepEqual(vals(feeds.body.feeds[0]), ['odd'])
})

test('notifications carry the labels on the records that notify; a taken-down reply notifies no one', async () => {
  const reply = await createRecord(bob.agent, 'app.bsky.feed.post', {
    text: 'a reply to p7',
    reply: { root: posts.p7, parent: posts.p7 },
    createdAt: new Date().toISOString(),
  })
  const like = await createRecord(bob.agent, 'app.bsky.feed.like', { subject: posts.p7, createdAt: new Date().toISOString() })
  await third.emit([{ uri: like.uri, val: 'odd' }])
  const list = () => api.xrpc('app.bsky.notification.listNotifications', {}, alice)
  const found = (a: Answer, uri: string) => a.body.notifications?.find((n: { uri: string }) => n.uri === uri)
  const before = await until('the reply and the labelled like', list, (a) => !!found(a, reply.uri) && found(a, like.uri)?.labels.length === 1)
  assert.deepEqual(found(before, like.uri).labels.map((l: { val: string }) => l.val), ['odd'])
  // Bob's account label shows on him as the author.
  assert.deepEqual(found(before, like.uri).author.labels.map((l: { val: string }) => l.val), ['rude'])
  await mod.emit([{ uri: reply.uri, val: '!takedown' }])
  await until('the taken-down reply to leave the notifications', list, (a) => !found(a, reply.uri) && !!found(a, like.uri))
})

test('after a restart, ingest resumes from the saved cursor', async () => {
  ingest.stop.abort()
  const summaries = await ingest.done
  const summary = summaries.find((s) => s.labeler === third.did)!
  assert.ok(summary.cursor !== undefined && summary.cursor > 0)
  const saved = await new StateStore(api.client, api.prefix).get<{ seq: number }>(labelCursorKey(third.did))
  assert.equal(saved?.seq, summary.cursor)
  assert.ok(summary.skipped >= 4 && summary.badFrames >= 1, `skipped ${summary.skipped}, bad frames ${summary.badFrames}`)

  const connections = third.cursors.length
  await third.emit([{ uri: posts.p7!.uri, val: 'while-away' }])
  ingest = startIngest()
  await labelsBecome('the label made while away', posts.p7!.uri, ['third marker', 'third while-away'])
  assert.deepEqual(third.cursors.slice(connections), [summary.cursor])
  assert.deepEqual(mod.cursors.slice(-1), [(await new StateStore(api.client, api.prefix).get<{ seq: number }>(labelCursorKey(mod.did)))?.seq])
})
