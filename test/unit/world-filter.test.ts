import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { CID } from 'multiformats/cid'
import type { RecordOpEvent } from '#/ingest/record-ops.js'
import { DEFAULT_POLICY, withoutSelectors, withSelectors, emptyWorld } from '#/world/definition.js'
import { pdsHostOf, WorldFilter } from '#/world/filter.js'
import { Membership } from '#/world/membership.js'
import { firstKeptMonth, isExpiredRecord } from '#/world/retention.js'
import { hostSelected, parseSelector, selectorKey, type WorldSelector } from '#/world/selectors.js'
import { touchedDids } from '#/world/touches.js'

const ALICE = 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa'
const BOB = 'did:plc:bbbbbbbbbbbbbbbbbbbbbbbb'
const CAROL = 'did:plc:cccccccccccccccccccccccc'
const OWNER = 'did:plc:oooooooooooooooooooooooo'
const EVE = 'did:plc:eeeeeeeeeeeeeeeeeeeeeeee'
const LIST = `at://${OWNER}/app.bsky.graph.list/3kabc`
const CID0 = CID.parse('bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm')
/** A TID of 2024-01 and one of now: the second is kept by any retention. */
const OLD_TID = '3kiqhsv4yoc2a'
const NOW_TID = tidAt(Date.now())

function tidAt(ms: number): string {
  const chars = '234567abcdefghijklmnopqrstuvwxyz'
  let n = BigInt(ms) * 1000n
  let out = ''
  for (let i = 0; i < 11; i++) {
    out = chars[Number(n % 32n)] + out
    n /= 32n
  }
  return out + '22'
}

describe('parseSelector', () => {
  const rows: [string, string | undefined][] = [
    [ALICE, ALICE],
    ['@Alice.Example.com', undefined],
    [LIST, LIST],
    [`follows:${BOB}`, `follows:${BOB}`],
    ['host:PDS.Example.com', 'host:pds.example.com'],
    ['host:https://pds.example.com/', 'host:pds.example.com'],
    ['not-host:*.host.bsky.network', 'not-host:*.host.bsky.network'],
  ]
  for (const [input, key] of rows) {
    test(`${input} parses${key ? ` as ${key}` : ''}`, () => {
      const r = parseSelector(input)
      assert.ok(r.ok, JSON.stringify(r))
      if (key) assert.equal(selectorKey(r.selector as WorldSelector), key)
      else assert.deepEqual(r.selector, { kind: 'account-handle', handle: 'alice.example.com' })
    })
  }
  for (const input of ['did:plc:short', `at://${OWNER}/app.bsky.feed.post/3kabc`, 'host:bad_host!', 'follows:', 'not a thing', 'host:']) {
    test(`${JSON.stringify(input)} is refused with a reason`, () => {
      const r = parseSelector(input)
      assert.equal(r.ok, false)
      assert.ok(!r.ok && r.message.length > 10)
    })
  }
})

describe('hostSelected', () => {
  const sel = (...inputs: string[]) => inputs.map((i) => (parseSelector(i) as { selector: WorldSelector }).selector)
  test('every PDS except Bluesky\'s own', () => {
    const s = sel('not-host:*.host.bsky.network')
    assert.equal(hostSelected(s, 'pds.example.com'), true)
    assert.equal(hostSelected(s, 'morel.us-east.host.bsky.network'), false)
  })
  test('named hosts only, minus an exception', () => {
    const s = sel('host:*.example.com', 'not-host:bad.example.com')
    assert.equal(hostSelected(s, 'a.example.com'), true)
    assert.equal(hostSelected(s, 'example.com'), true)
    assert.equal(hostSelected(s, 'bad.example.com'), false)
    assert.equal(hostSelected(s, 'other.org'), false)
  })
  test('no host selectors select no host', () => assert.equal(hostSelected(sel(ALICE), 'pds.example.com'), false))
  test('a host selector with a port names that port; one without names the host on any port', async () => {
    const pds: Record<string, string> = { [BOB]: 'https://PDS.example.com:8443', [CAROL]: 'https://pds.example.com/' }
    const hostOf = pdsHostOf({ resolveDid: async (did) => ({ pds: pds[did] }) })
    assert.equal(await hostOf(BOB), 'pds.example.com:8443')
    assert.equal(await hostOf(CAROL), 'pds.example.com')
    assert.equal(hostSelected(sel('host:pds.example.com:8443'), 'pds.example.com:8443'), true)
    assert.equal(hostSelected(sel('host:pds.example.com:8443'), 'pds.example.com'), false)
    assert.equal(hostSelected(sel('host:pds.example.com'), 'pds.example.com:8443'), true)
    assert.equal(hostSelected(sel('host:*.example.com'), 'a.example.com:8443'), true)
    assert.equal(hostSelected(sel('not-host:*.example.com'), 'a.example.com:8443'), false)
  })
})

describe('touchedDids', () => {
  const rows: [string, Record<string, unknown>, string[]][] = [
    ['app.bsky.feed.like', { subject: { uri: `at://${ALICE}/app.bsky.feed.post/3k`, cid: 'x' } }, [ALICE]],
    ['app.bsky.feed.repost', { subject: { uri: 'https://not-at' } }, []],
    ['app.bsky.graph.follow', { subject: BOB }, [BOB]],
    ['app.bsky.graph.block', { subject: 'not-a-did' }, []],
    ['app.bsky.feed.post', { text: 'hi', reply: { parent: { uri: `at://${ALICE}/app.bsky.feed.post/1` }, root: { uri: `at://${BOB}/app.bsky.feed.post/2` } } }, [ALICE, BOB]],
    ['app.bsky.feed.post', { text: 'q', embed: { $type: 'app.bsky.embed.recordWithMedia', record: { record: { uri: `at://${CAROL}/app.bsky.feed.post/3` } } } }, [CAROL]],
    ['app.bsky.feed.post', { text: '@a', facets: [{ features: [{ $type: 'app.bsky.richtext.facet#mention', did: ALICE }] }] }, [ALICE]],
    ['app.bsky.actor.profile', { displayName: ALICE }, []],
  ]
  for (const [collection, record, dids] of rows) test(`${collection} ${JSON.stringify(record).slice(0, 60)}`, () => assert.deepEqual(touchedDids(collection, record), dids))
})

function op(did: string, collection: string, rkey: string, record?: Record<string, unknown>): RecordOpEvent {
  const base = { did, collection, rkey, uri: `at://${did}/${collection}/${rkey}`, rev: NOW_TID }
  return record ? { ...base, event: 'create', cid: CID0, record } : { ...base, event: 'delete' }
}

describe('Membership', () => {
  test('list items add and remove members; a member with two reasons stays until both go', () => {
    const m = new Membership([{ kind: 'account', did: ALICE }, { kind: 'list', uri: LIST, owner: OWNER }])
    const item = op(OWNER, 'app.bsky.graph.listitem', 'i1', { subject: ALICE, list: LIST })
    const item2 = op(OWNER, 'app.bsky.graph.listitem', 'i2', { subject: BOB, list: LIST })
    const otherList = op(OWNER, 'app.bsky.graph.listitem', 'i3', { subject: CAROL, list: `${LIST}x` })
    assert.deepEqual(m.observe(item), { defining: true, added: [], removed: [] })
    assert.deepEqual(m.observe(item2), { defining: true, added: [BOB], removed: [] })
    assert.deepEqual(m.observe(otherList), { defining: false, added: [], removed: [] })
    assert.deepEqual(m.observe(op(OWNER, 'app.bsky.graph.listitem', 'i1')).removed, [])
    assert.ok(m.isKnownMember(ALICE))
    assert.deepEqual(m.observe(op(OWNER, 'app.bsky.graph.listitem', 'i2')).removed, [BOB])
    assert.equal(m.isKnownMember(BOB), false)
    assert.equal(m.isKnownMember(OWNER), false)
  })
})

describe('Membership by follows', () => {
  test("the followed account's follows add and remove members; nobody else's follows count", () => {
    const m = new Membership([{ kind: 'follows', did: OWNER }])
    const follow = op(OWNER, 'app.bsky.graph.follow', 'f1', { subject: BOB, createdAt: 'x' })
    assert.deepEqual(m.observe(follow), { defining: true, added: [BOB], removed: [] })
    assert.deepEqual(m.observe(op(EVE, 'app.bsky.graph.follow', 'f2', { subject: CAROL })), { defining: false, added: [], removed: [] })
    assert.deepEqual(m.observe(op(OWNER, 'app.bsky.graph.listitem', 'i1', { subject: CAROL, list: LIST })).defining, false)
    assert.deepEqual(m.members, [BOB])
    assert.equal(m.isKnownMember(OWNER), false, 'the follower defines the world without being in it')
    assert.deepEqual(m.observe(op(OWNER, 'app.bsky.graph.follow', 'f1')), { defining: true, added: [], removed: [BOB] })
    assert.deepEqual(m.members, [])
  })
})

describe('WorldFilter', () => {
  const world = (touching: 'keep' | 'drop', keptFrom?: number) =>
    new WorldFilter(new Membership([{ kind: 'account', did: ALICE }, { kind: 'list', uri: LIST, owner: OWNER }]), { ...DEFAULT_POLICY, touching }, new Set(), undefined, keptFrom)

  test('an outsider commit that cannot touch the world is passed over before decoding', () => {
    const f = world('keep')
    assert.equal(f.mayKeepCommit(EVE, [{ action: 'create', path: 'app.bsky.actor.profile/self' }]), false)
    assert.equal(f.mayKeepCommit(EVE, [{ action: 'delete', path: 'app.bsky.feed.like/3k' }]), false)
    assert.equal(f.mayKeepCommit(EVE, [{ action: 'create', path: 'app.bsky.feed.like/3k' }]), true)
    assert.equal(f.mayKeepCommit(ALICE, [{ action: 'create', path: 'app.bsky.actor.profile/self' }]), true)
    assert.equal(f.mayKeepCommit(OWNER, [{ action: 'create', path: 'app.bsky.graph.listitem/3k' }]), true)
    assert.equal(world('drop').mayKeepCommit(EVE, [{ action: 'create', path: 'app.bsky.feed.like/3k' }]), false)
  })

  test('an outsider commit whose bytes name no member is passed over; one naming a member, or a did:web member, is not', () => {
    const f = world('keep')
    const like = [{ action: 'create', path: 'app.bsky.feed.like/3k' }]
    // CBOR puts the next header right after a string: the byte after the DID looks like a DID character.
    const bytes = (text: string) => new TextEncoder().encode(text)
    assert.equal(f.mayKeepCommit(EVE, like, bytes(`\x00subjectx at://${CAROL}/app.bsky.feed.post/1icreatedAt`)), false)
    assert.equal(f.mayKeepCommit(EVE, like, bytes(`\x00subjectx at://${ALICE}/app.bsky.feed.post/1icreatedAt`)), true)
    assert.equal(f.mayKeepCommit(EVE, like, bytes(`mentions ${ALICE}ecreatedAt`)), true)
    const web = new WorldFilter(new Membership([{ kind: 'account', did: 'did:web:alice.example' }]), DEFAULT_POLICY, new Set(), undefined, undefined)
    assert.equal(web.mayKeepCommit(EVE, like, bytes('at://did:web:alice.example/app.bsky.feed.post/1')), true)
    assert.equal(web.mayKeepCommit(EVE, like, bytes('at://did:web:bob.example/app.bsky.feed.post/1')), false)
  })

  test('keeps members\' records, outsiders\' records touching members, and then those outsiders\' deletes', async () => {
    const f = world('keep')
    const likeOfAlice = op(EVE, 'app.bsky.feed.like', NOW_TID, { subject: { uri: `at://${ALICE}/app.bsky.feed.post/1`, cid: 'x' } })
    const likeOfCarol = op(EVE, 'app.bsky.feed.like', 'zzzzzzzzzzzzz', { subject: { uri: `at://${CAROL}/app.bsky.feed.post/1`, cid: 'x' } })
    const eveProfile = op(EVE, 'app.bsky.actor.profile', 'self', { displayName: 'Eve' })
    assert.deepEqual((await f.keepOps(EVE, [likeOfAlice, likeOfCarol, eveProfile])).ops, [likeOfAlice])
    assert.equal(f.mayKeepAccount(EVE), true)
    const unlike = op(EVE, 'app.bsky.feed.like', NOW_TID)
    assert.equal(f.mayKeepCommit(EVE, [{ action: 'delete', path: `app.bsky.feed.like/${NOW_TID}` }]), true)
    assert.deepEqual((await f.keepOps(EVE, [unlike])).ops, [unlike])
    const aliceProfile = op(ALICE, 'app.bsky.actor.profile', 'self', { displayName: 'Alice' })
    assert.deepEqual((await f.keepOps(ALICE, [aliceProfile])).ops, [aliceProfile])
  })

  test('with touching=drop an outsider\'s like of a member is not kept', async () => {
    const like = op(EVE, 'app.bsky.feed.like', NOW_TID, { subject: { uri: `at://${ALICE}/app.bsky.feed.post/1`, cid: 'x' } })
    assert.deepEqual((await world('drop').keepOps(EVE, [like])).ops, [])
  })

  test('a list item of the world list makes a member, whose next commit is kept', async () => {
    const f = world('drop')
    const item = op(OWNER, 'app.bsky.graph.listitem', NOW_TID, { subject: BOB, list: LIST, createdAt: new Date().toISOString() })
    const r = await f.keepOps(OWNER, [item, op(OWNER, 'app.bsky.feed.post', NOW_TID, { text: 'owner post' })])
    assert.deepEqual(r.ops, [item])
    assert.deepEqual(r.added, [BOB])
    assert.equal(f.mayKeepCommit(BOB, [{ action: 'create', path: 'app.bsky.actor.profile/self' }]), true)
  })

  test('retention leaves out records of dropped months, even a member\'s', async () => {
    const f = world('keep', firstKeptMonth(30, Date.now()))
    const old = op(ALICE, 'app.bsky.feed.post', OLD_TID, { text: 'old' })
    const fresh = op(ALICE, 'app.bsky.feed.post', NOW_TID, { text: 'new' })
    const profile = op(ALICE, 'app.bsky.actor.profile', 'self', { displayName: 'A' })
    assert.deepEqual((await f.keepOps(ALICE, [old, fresh, profile])).ops, [fresh, profile])
  })

  test('host selectors place accounts by their PDS', async () => {
    const hosts: Record<string, string> = { [BOB]: 'pds.indie.example', [CAROL]: 'morel.us-east.host.bsky.network' }
    const selectors = [(parseSelector('not-host:*.host.bsky.network') as { selector: WorldSelector }).selector]
    const f = new WorldFilter(new Membership(selectors), DEFAULT_POLICY, new Set(), async (did) => hosts[did], undefined)
    assert.equal(await f.isMember(BOB), true)
    assert.equal(await f.isMember(CAROL), false)
    assert.equal(await f.isMember(EVE), false)
  })
})

describe('retention months', () => {
  test('a month goes only once all of it is older than the retention', () => {
    const now = Date.UTC(2025, 2, 10) // 2025-03-10
    assert.equal(firstKeptMonth(7, now), 2025 * 12 + 2) // cutoff 03-03: March kept, February dropped
    assert.equal(firstKeptMonth(20, now), 2025 * 12 + 1) // cutoff 02-18: February kept
    const keptFrom = firstKeptMonth(7, now)
    assert.equal(isExpiredRecord('app.bsky.feed.post', OLD_TID, keptFrom), true)
    assert.equal(isExpiredRecord('app.bsky.actor.profile', 'self', keptFrom), false)
    assert.equal(isExpiredRecord('app.bsky.feed.post', 'not-a-tid', keptFrom), false)
    assert.equal(isExpiredRecord('app.bsky.feed.post', OLD_TID, undefined), false)
  })
})

describe('world definition edits', () => {
  test('adding is idempotent and removing an unknown selector says so', () => {
    const a = withSelectors(emptyWorld(), [{ kind: 'account', did: ALICE }, { kind: 'account', did: ALICE, handle: 'alice.test' }])
    assert.equal(a.world.selectors.length, 1)
    assert.equal(withSelectors(a.world, [{ kind: 'account', did: ALICE }]).added.length, 0)
    const r = withoutSelectors(a.world, [ALICE, BOB])
    assert.deepEqual(r.unknown, [BOB])
    assert.equal(r.world.selectors.length, 0)
  })
})
