import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { DevAccount } from '#devnet/network.js'
import { createRecord, startMagpieApi, until, type Answer, type MagpieApi } from '../helpers/magpie-api.js'

/**
 * app.bsky.unspecced.getPostThreadV2 and getPostThreadOtherV2 end to end: a thread written
 * through a real PDS (an OP line of replies, replies from followed, muted, blocking and
 * signed-out-shy accounts, a reply the gate hides, a pushpin), read back flat and ranked as
 * different viewers. Every 200 answer is checked against the official lexicon by the harness.
 */

const V2 = 'app.bsky.unspecced.getPostThreadV2'
const OTHER = 'app.bsky.unspecced.getPostThreadOtherV2'

const NAMES = ['alice', 'bob', 'carol', 'dan', 'erin', 'frank', 'gina', 'hank', 'ivy'] as const
type Ref = Awaited<ReturnType<typeof createRecord>>

let api: MagpieApi
let acct: Record<(typeof NAMES)[number], DevAccount>
/** Records the assertions refer to, by name. */
const r: Record<string, Ref> = {}

before(async () => {
  api = await startMagpieApi('api-thread-v2', {})
  const created = await Promise.all(NAMES.map((name) => api.net.createAccount(name)))
  acct = Object.fromEntries(NAMES.map((name, i) => [name, created[i]!])) as typeof acct
  await writeFixtures()
})

after(() => api.close())

const now = () => new Date().toISOString()
const rkeyOf = (uri: string) => uri.split('/').pop()!
const create = (who: DevAccount, collection: string, record: Record<string, unknown>, rkey?: string) => createRecord(who.agent, collection, record, rkey)
const post = (who: DevAccount, text: string, extra: Record<string, unknown> = {}) => create(who, 'app.bsky.feed.post', { text, createdAt: now(), ...extra })
const reply = (who: DevAccount, parent: Ref, root: Ref, text: string) => post(who, text, { reply: { root, parent } })
const like = (who: DevAccount, subject: Ref) => create(who, 'app.bsky.feed.like', { subject, createdAt: now() })

async function writeFixtures() {
  const { alice, bob, carol, dan, erin, frank, gina, hank, ivy } = acct
  for (const [from, to] of [[bob, gina], [bob, hank], [bob, dan], [gina, hank]] as const) {
    await create(from, 'app.bsky.graph.follow', { subject: to.did, createdAt: now() })
  }
  await create(dan, 'app.bsky.graph.block', { subject: alice.did, createdAt: now() })
  // Ivy asks not to be shown to signed-out viewers.
  const selfLabel = { $type: 'com.atproto.label.defs#selfLabels', values: [{ val: '!no-unauthenticated' }] }
  await create(ivy, 'app.bsky.actor.profile', { displayName: 'Ivy', labels: selfLabel }, 'self')

  r.root = await post(alice, 'a thread')
  r.op1 = await reply(alice, r.root, r.root, '1/ the OP goes on')
  r.op2 = await reply(alice, r.op1, r.root, '2/ and on')
  r.bobR = await reply(bob, r.root, r.root, 'bob replies')
  r.carolR = await reply(carol, r.root, r.root, 'carol replies')
  r.hankR = await reply(hank, r.root, r.root, 'hank replies')
  r.frankR = await reply(frank, r.root, r.root, 'frank replies')
  r.erinR = await reply(erin, r.root, r.root, 'erin replies, and gets hidden')
  r.pin = await reply(gina, r.root, r.root, ' 📌 ')
  r.danR = await reply(dan, r.root, r.root, 'dan replies across his block')
  r.ivyR = await reply(ivy, r.root, r.root, 'ivy replies')
  r.opLate = await reply(alice, r.root, r.root, 'the OP again, later')
  r.b1 = await reply(carol, r.bobR, r.root, 'carol answers bob')
  r.b2 = await reply(gina, r.bobR, r.root, 'gina answers bob')
  r.b3 = await reply(hank, r.bobR, r.root, 'hank answers bob')
  r.b1a = await reply(bob, r.b1, r.root, 'bob answers carol')
  r.gate = await create(alice, 'app.bsky.feed.threadgate', { post: r.root.uri, hiddenReplies: [r.erinR.uri], createdAt: now() }, rkeyOf(r.root.uri))

  await like(alice, r.bobR)
  for (const who of [bob, dan, erin, frank, gina, hank]) await like(who, r.carolR)

  // A reply in Alice's thread whose parent is Bob's post elsewhere (a client may write that), and a reply under it.
  r.elsewhere = await post(bob, 'a post of its own')
  r.stray = await post(carol, 'replying across threads', { reply: { root: r.root, parent: r.elsewhere } })
  r.strayReply = await reply(hank, r.stray, r.root, 'under the stray reply')

  r.gone = await post(alice, 'soon gone')
  r.orphan = await reply(bob, r.gone, r.gone, 'replying to something deleted')
  await alice.agent.com.atproto.repo.deleteRecord({ repo: alice.did, collection: 'app.bsky.feed.post', rkey: rkeyOf(r.gone.uri) })
  r.last = await post(hank, 'the last fixture')
}

const v2 = (params: Record<string, string | number | boolean>, viewer?: DevAccount) => api.xrpc(V2, params, viewer)
const other = (anchor: Ref, viewer?: DevAccount) => api.xrpc(OTHER, { anchor: anchor.uri }, viewer)

/** A thread as `name depth` lines (names of the fixtures; stand-ins by their kind). */
function shape(answer: Answer): string[] {
  assert.equal(answer.status, 200, JSON.stringify(answer.body))
  const names = new Map(Object.entries(r).map(([name, ref]) => [ref.uri, name]))
  return answer.body.thread.map((item: any) => {
    const kind = item.value.$type.split('#')[1]
    const name = names.get(item.uri) ?? item.uri
    return kind === 'threadItemPost' ? `${name} ${item.depth}` : `${name} ${item.depth} ${kind}`
  })
}

function itemOf(answer: Answer, ref: Ref): any {
  return answer.body.thread.find((item: any) => item.uri === ref.uri)
}

describe('getPostThreadV2', () => {
  test('the fixtures are indexed', async () => {
    await until('the last fixture', () => v2({ anchor: r.last!.uri }), (a) => a.body.thread?.[0]?.value?.$type === 'app.bsky.unspecced.defs#threadItemPost')
    await until('likes counted', () => v2({ anchor: r.carolR!.uri }), (a) => a.body.thread?.[1]?.value?.post?.likeCount === 6)
    const mute = await api.call('app.bsky.graph.muteActor', { actor: acct.frank.did }, acct.bob)
    assert.equal(mute.status, 200)
  })

  test('anonymous, oldest first: the OP line, then the OP, then the rest; other replies set apart', async () => {
    const answer = await v2({ anchor: r.root!.uri })
    assert.deepEqual(shape(answer), [
      'root 0', 'op1 1', 'op2 2', 'opLate 1',
      'bobR 1', 'b1 2', 'b1a 3', 'b2 2', 'b3 2',
      'carolR 1', 'hankR 1', 'frankR 1',
    ])
    assert.equal(answer.body.hasOtherReplies, true)
    assert.equal(answer.body.threadgate.uri, r.gate!.uri)
    const root = itemOf(answer, r.root!).value
    assert.deepEqual([root.opThread, root.opThreadPostIndex, root.opThreadPostCount, root.moreParents, root.moreReplies], [true, 1, 3, false, 0])
    const op2 = itemOf(answer, r.op2!).value
    assert.deepEqual([op2.opThread, op2.opThreadPostIndex, op2.opThreadPostCount], [true, 3, 3])
    const late = itemOf(answer, r.opLate!).value
    assert.equal(late.opThread, false)
    assert.equal(late.opThreadPostIndex, undefined)
    assert.deepEqual([late.hiddenByThreadgate, late.mutedByViewer], [false, false])
    assert.equal(root.post.viewer, undefined)
  })

  test('sort: newest and top (likes, worth more when the OP likes)', async () => {
    assert.deepEqual(shape(await v2({ anchor: r.root!.uri, sort: 'newest' })), [
      'root 0', 'op1 1', 'op2 2', 'opLate 1',
      'frankR 1', 'hankR 1', 'carolR 1',
      'bobR 1', 'b3 2', 'b2 2', 'b1 2', 'b1a 3',
    ])
    // Carol's six likes outweigh Bob's one from the OP; no likes, then newest first.
    assert.deepEqual(shape(await v2({ anchor: r.root!.uri, sort: 'top' })), [
      'root 0', 'op1 1', 'op2 2', 'opLate 1',
      'carolR 1',
      'bobR 1', 'b3 2', 'b2 2', 'b1 2', 'b1a 3',
      'frankR 1', 'hankR 1',
    ])
    const unknown = await v2({ anchor: r.root!.uri, sort: 'sideways' })
    assert.deepEqual(shape(unknown), shape(await v2({ anchor: r.root!.uri, sort: 'newest' })))
  })

  test('a viewer: their own replies and those of accounts they follow first; muted accounts set apart; known likers', async () => {
    const asBob = await v2({ anchor: r.root!.uri }, acct.bob)
    assert.deepEqual(shape(asBob), [
      'root 0', 'op1 1', 'op2 2', 'opLate 1',
      'bobR 1', 'b2 2', 'b3 2', 'b1 2', 'b1a 3',
      'hankR 1', 'carolR 1', 'ivyR 1',
    ])
    assert.equal(asBob.body.hasOtherReplies, true)
    const asGina = await v2({ anchor: r.root!.uri }, acct.gina)
    assert.deepEqual(shape(asGina).slice(4), [
      'hankR 1',
      'bobR 1', 'b2 2', 'b3 2', 'b1 2', 'b1a 3',
      'carolR 1', 'frankR 1', 'ivyR 1',
    ])
    // Known likers: those Bob follows, latest like first.
    const carol = await v2({ anchor: r.carolR!.uri }, acct.bob)
    const known = carol.body.thread[1].value.post.viewer.knownLikers
    assert.equal(known.count, 3)
    assert.deepEqual(known.actors.map((a: any) => a.did), [acct.hank.did, acct.gina.did, acct.dan.did])
    assert.equal(carol.body.thread[0].value.post.viewer.knownLikers, undefined, 'only for the anchor')
  })

  test('the author of a hidden reply still sees it in the thread', async () => {
    const asErin = await v2({ anchor: r.root!.uri }, acct.erin)
    assert.ok(shape(asErin).includes('erinR 1'))
  })

  test('below, branchingFactor and moreReplies', async () => {
    const trimmed = await v2({ anchor: r.root!.uri, branchingFactor: 1 })
    assert.deepEqual(shape(trimmed).slice(4, 7), ['bobR 1', 'b1 2', 'b1a 3'])
    assert.equal(itemOf(trimmed, r.bobR!).value.moreReplies, 2)
    assert.equal(itemOf(await v2({ anchor: r.root!.uri }), r.bobR!).value.moreReplies, 0)
    const shallow = await v2({ anchor: r.root!.uri, below: 1 })
    assert.deepEqual(shape(shallow), ['root 0', 'op1 1', 'opLate 1', 'bobR 1', 'carolR 1', 'hankR 1', 'frankR 1'])
    assert.equal(itemOf(shallow, r.bobR!).value.moreReplies, 3)
    assert.deepEqual(shape(await v2({ anchor: r.root!.uri, below: 0 })), ['root 0'])
    // Every reply of the anchor itself stays, whatever the branching factor.
    assert.equal(shape(await v2({ anchor: r.root!.uri, branchingFactor: 0 })).filter((line) => line.endsWith(' 1')).length, 6)
  })

  test('parents above the anchor, root first; above=false leaves them out', async () => {
    const answer = await v2({ anchor: r.op2!.uri })
    assert.deepEqual(shape(answer), ['root -2', 'op1 -1', 'op2 0'])
    assert.equal(answer.body.hasOtherReplies, false)
    assert.equal(itemOf(answer, r.op1!).value.opThreadPostIndex, 2)
    assert.deepEqual(shape(await v2({ anchor: r.op2!.uri, above: false })), ['op2 0'])
    assert.deepEqual(shape(await v2({ anchor: r.b1a!.uri })), ['root -3', 'bobR -2', 'b1 -1', 'b1a 0'])
  })

  test('a parent from another thread ends the chain; the last parent shown says there are more', async () => {
    const answer = await v2({ anchor: r.strayReply!.uri })
    assert.deepEqual(shape(answer), ['stray -1', 'strayReply 0'])
    assert.equal(itemOf(answer, r.stray!).value.moreParents, true)
  })

  test('blocks: a parent across a block is blocked; a blocked anchor stands alone', async () => {
    assert.deepEqual(shape(await v2({ anchor: r.danR!.uri })), ['root -1 threadItemBlocked', 'danR 0'])
    const asDan = await v2({ anchor: r.root!.uri }, acct.dan)
    assert.deepEqual(shape(asDan), ['root 0 threadItemBlocked'])
    assert.equal(asDan.body.hasOtherReplies, false)
    assert.equal(asDan.body.thread[0].value.author.did, acct.alice.did)
    assert.match(asDan.body.thread[0].value.author.viewer.blocking, /app\.bsky\.graph\.block/)
    assert.equal(asDan.body.threadgate.uri, r.gate!.uri)
  })

  test('deleted posts: a missing parent or anchor is not found', async () => {
    assert.deepEqual(shape(await v2({ anchor: r.orphan!.uri })), ['gone -1 threadItemNotFound', 'orphan 0'])
    const gone = await v2({ anchor: r.gone!.uri })
    assert.deepEqual(shape(gone), ['gone 0 threadItemNotFound'])
    assert.equal(gone.body.hasOtherReplies, false)
  })

  test('an author who asks not to be shown signed out: a stand-in for an anchor, left out as a reply', async () => {
    assert.deepEqual(shape(await v2({ anchor: r.ivyR!.uri })), ['root -1', 'ivyR 0 threadItemNoUnauthenticated'])
    assert.deepEqual(shape(await v2({ anchor: r.ivyR!.uri }, acct.bob)), ['root -1', 'ivyR 0'])
  })

  test('a handle in the anchor URI is resolved', async () => {
    const byHandle = r.root!.uri.replace(acct.alice.did, acct.alice.handle)
    assert.deepEqual(shape(await v2({ anchor: byHandle })), shape(await v2({ anchor: r.root!.uri })))
  })
})

describe('getPostThreadOtherV2', () => {
  test('the replies set apart: plain ones first, then muted, then hidden by the gate', async () => {
    const anonymous = await other(r.root!)
    assert.deepEqual(shape(anonymous), ['pin 1', 'erinR 1'])
    const erin = itemOf(anonymous, r.erinR!).value
    assert.deepEqual([erin.hiddenByThreadgate, erin.mutedByViewer, erin.opThread, erin.moreReplies], [true, false, false, 0])
    const asBob = await other(r.root!, acct.bob)
    assert.deepEqual(shape(asBob), ['pin 1', 'erinR 1', 'frankR 1'])
    assert.equal(itemOf(asBob, r.frankR!).value.mutedByViewer, true)
    assert.deepEqual(shape(await other(r.root!, acct.erin)), ['pin 1'])
  })

  test('nothing for an anchor that is gone, blocked, or has no such replies', async () => {
    assert.deepEqual((await other(r.gone!)).body, { thread: [] })
    assert.deepEqual((await other(r.root!, acct.dan)).body, { thread: [] })
    assert.deepEqual((await other(r.bobR!)).body, { thread: [] })
  })
})

describe('bad requests', () => {
  test('bad parameters are 400 InvalidRequest', async () => {
    const cases: [string, Record<string, string | number>][] = [
      [V2, {}],
      [V2, { anchor: 'not a uri' }],
      [V2, { anchor: r.root!.uri, below: 21 }],
      [V2, { anchor: r.root!.uri, below: -1 }],
      [V2, { anchor: r.root!.uri, branchingFactor: 101 }],
      [V2, { anchor: r.root!.uri, above: 'yes' }],
      [OTHER, {}],
      [OTHER, { anchor: 'at:/nope' }],
    ]
    for (const [nsid, params] of cases) {
      const { status, body } = await api.xrpc(nsid, params)
      assert.equal(status, 400, `${nsid} ${JSON.stringify(params)}`)
      assert.equal(body.error, 'InvalidRequest')
    }
  })
})
