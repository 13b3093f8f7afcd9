import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { promisify } from 'node:util'
import { TID } from '@atproto/common-web'
import type { Client } from '@opensearch-project/opensearch'
import { Rollup } from '#/aggregates/rollup.js'
import { EDGE_SPEC, edgeId } from '#/aggregates/specs.js'
import type { Config } from '#/config/env.js'
import { createDataPlane } from '#/dataplane/index.js'
import { startDevNetwork, type DevAccount, type DevNetwork } from '#devnet/network.js'
import { identityResolverFromConfig, type IdentityResolver } from '#/identity/identity-resolver.js'
import { createSafeFetch, type SafeFetch } from '#/identity/safe-fetch.js'
import type { AddressInfo } from 'node:net'
import { startServer } from '#/cli/commands/serve.js'
import { startBackfill } from '#/ingest/backfill/start.js'
import { startLiveIngest } from '#/ingest/wire.js'
import { createLogger } from '#/log.js'
import { applySetup } from '#/store/setup.js'
import { addToWorld, describeWorld, removeFromWorld, setWorldPolicy } from '#/world/admin.js'
import { WorldKeeper } from '#/world/keeper.js'
import { liveIngestReached } from '../helpers/caught-up.js'
import { devnetConfig, devnetEnv } from '../helpers/devnet-env.js'
import { createRecord } from '../helpers/magpie-api.js'
import { dropPrefix, eventually, testClient, uniquePrefix } from '../helpers/opensearch.js'

/**
 * Small-world mode on a real network: a world of one account (by handle) and a list (one more
 * member on it). Only the members' records and outsiders' records aimed at members are indexed;
 * a list item added live makes a member whose earlier records are backfilled, and deleting it
 * purges them; retention drops an old month whole and the counts of what remains stay exact.
 */

const POST = 'app.bsky.feed.post'
const LIKE = 'app.bsky.feed.like'
const FOLLOW = 'app.bsky.graph.follow'
const LISTITEM = 'app.bsky.graph.listitem'

let net: DevNetwork
let client: Client
let prefix: string
let config: Config
let resolver: IdentityResolver
let fetch: SafeFetch
let alice: DevAccount
let bob: DevAccount
let carol: DevAccount
let owner: DevAccount
let eve: DevAccount
let listUri: string
let carolBefore: string
let bobBefore: string
const ADMIN_TOKEN = 'small-world-admin-token-for-tests'
const stop = new AbortController()
let ingest: Promise<unknown>
const log = createLogger(process.env.LOG_LEVEL ?? 'warn')

const now = () => new Date().toISOString()
const post = (who: DevAccount, text: string, extra: Record<string, unknown> = {}, rkey?: string) =>
  createRecord(net.agentFor(who.did), POST, { text, createdAt: now(), ...extra }, rkey)
const strong = (r: { uri: string; cid: string }) => ({ uri: r.uri, cid: r.cid })
const netFor = () => ({ resolveHandle: (h: string) => resolver.resolveHandle(h), resolveDid: (d: string) => resolver.resolveDid(d), fetch })

/** Live (not deleted) record documents under the prefix (the test's, unless told), by URI. */
async function indexed(query: object = { match_all: {} }, under = prefix): Promise<Set<string>> {
  await client.indices.refresh({ index: `${under}*` })
  const res = await client.search({
    index: `${under}*,-${under}actors-*,-${under}state-*,-${under}aggregates-*,-${under}edges-*`,
    body: { size: 1000, query: { bool: { filter: [query], must_not: [{ term: { tomb: true } }] } }, _source: false },
  })
  return new Set(((res.body as any).hits.hits as { _id: string }[]).map((h) => h._id))
}

/**
 * A backfill of a world of `selectors` into a fresh index (magpie backfill, up): `body` is given
 * the prefix and the records it brought; the prefix is dropped afterwards.
 */
async function withWorldBackfilled(selectors: string[], body: (fresh: string, docs: Set<string>) => Promise<void>): Promise<void> {
  const fresh = uniquePrefix('world-backfill')
  try {
    await applySetup(client, fresh, log)
    const added = await addToWorld(client, fresh, netFor(), selectors)
    assert.ok(added.ok, JSON.stringify(added))
    await startBackfill({ ...config, INDEX_PREFIX: fresh }, client, log, { hosts: [net.pdsUrl], world: true, tty: false })
    await body(fresh, await indexed({ match_all: {} }, fresh))
  } finally {
    await dropPrefix(client, fresh)
  }
}

const has = async (uri: string) => (await indexed({ ids: { values: [uri] } })).has(uri)

before(async () => {
  net = await startDevNetwork()
  client = testClient()
  prefix = uniquePrefix('world')
  config = devnetConfig(net, prefix, { BULK_FLUSH_MS: '50', WORLD_POLL_MS: '300', BACKFILL_THREADS: '0', ROLLUP_INTERVAL_MS: '0', MAGPIE_ADMIN_TOKEN: ADMIN_TOKEN, PORT: '0', SERVICE_DID: 'did:web:magpie.test' })
  resolver = identityResolverFromConfig(config, log)
  fetch = createSafeFetch({ allowPrivateNetwork: true, timeoutMs: 10_000 })
  await applySetup(client, prefix, log)
  alice = await net.createAccount('alice')
  bob = await net.createAccount('bob')
  carol = await net.createAccount('carol')
  owner = await net.createAccount('lister')
  eve = await net.createAccount('eve')
  // Written before Magpie runs: only a backfill can bring these in.
  carolBefore = (await post(carol, 'carol, before the world knew her')).uri
  bobBefore = (await post(bob, 'bob, before ingest started')).uri
  listUri = (await createRecord(net.agentFor(owner.did), 'app.bsky.graph.list', { purpose: 'app.bsky.graph.defs#curatelist', name: 'friends', createdAt: now() })).uri
  await createRecord(net.agentFor(owner.did), LISTITEM, { subject: bob.did, list: listUri, createdAt: now() })
  await net.processAll()

  const added = await addToWorld(client, prefix, netFor(), [alice.handle, listUri])
  assert.ok(added.ok, JSON.stringify(added))
  // From the stream's start, so nothing is missed while the ingest connects (the world filters the replay as any other event).
  ingest = startLiveIngest(config, client, log, { service: net.firehoseUrl, cursor: 0, signal: stop.signal })
})

after(async () => {
  stop.abort()
  await ingest
  await net.close()
  await resolver.close()
  await fetch.close()
  await dropPrefix(client, prefix)
  await client.close()
})

describe('small world', () => {
  let p1: { uri: string; cid: string }

  test('members are named by handle and by the list; the list owner is not a member', async () => {
    // The list's items come into the index with the owner's backfill, as the ingest starts.
    const world = await eventually('the list is read', async () => {
      const w = await describeWorld(client, prefix)
      return w.members.length === 2 ? w : undefined
    })
    assert.equal(world.active, true)
    assert.deepEqual(world.members, [alice.did, bob.did].sort())
    assert.deepEqual(world.definers, [owner.did])
  })

  test("only members' records and outsiders' records aimed at members are indexed", async () => {
    p1 = await post(alice, 'hello small world')
    const bobLive = await post(bob, 'bob, live')
    const carolPost = await post(carol, 'carol, outsider for now')
    const kept = [
      (await createRecord(net.agentFor(eve.did), LIKE, { subject: strong(p1), createdAt: now() })).uri,
      (await createRecord(net.agentFor(eve.did), FOLLOW, { subject: bob.did, createdAt: now() })).uri,
    ]
    const dropped = [
      carolPost.uri,
      (await createRecord(net.agentFor(eve.did), LIKE, { subject: strong(carolPost), createdAt: now() })).uri,
      (await post(eve, 'eve talks to no one')).uri,
      (await createRecord(net.agentFor(eve.did), 'app.bsky.actor.profile', { displayName: 'Eve' }, 'self')).uri,
      (await post(owner, 'the owner posts too')).uri,
    ]
    const reply = await post(eve, 'replying to alice', { reply: { root: strong(p1), parent: strong(p1) } })
    await net.processAll()
    // Every event so far handled (repos are handled in parallel: one record being in says nothing of the others).
    await liveIngestReached(client, prefix, net.firehoseUrl, await net.raw.pds.ctx.sequencer.curr())
    assert.ok(await has(reply.uri), 'the reply to a member is indexed')
    const docs = await indexed()
    for (const uri of [p1.uri, bobLive.uri, bobBefore, listUri, ...kept]) assert.ok(docs.has(uri), `${uri} should be indexed`)
    for (const uri of dropped) assert.ok(!docs.has(uri), `${uri} should not be indexed`)
    assert.equal(docs.has(carolBefore), false)
    // Nothing by an account the world does not concern at all.
    assert.deepEqual([...docs].filter((u) => u.startsWith(`at://${carol.did}/`)), [])
    const plane = createDataPlane({ client, prefix, cacheTtlMs: 0 })
    assert.equal((await plane.getPostCounts([p1.uri])).get(p1.uri)?.likes, 1)
    assert.equal((await plane.getPostCounts([p1.uri])).get(p1.uri)?.replies, 1)
    assert.equal((await plane.getProfileCounts([bob.did])).get(bob.did)?.followers, 1)
  })

  let carolItem: string
  test('a list item added live makes a member, whose earlier records are backfilled', async () => {
    carolItem = (await createRecord(net.agentFor(owner.did), LISTITEM, { subject: carol.did, list: listUri, createdAt: now() })).uri
    await net.processAll()
    await eventually("carol's earlier post is backfilled", async () => ((await has(carolBefore)) ? true : undefined), 60_000)
    const carolLive = await post(carol, 'carol, a member now')
    await net.processAll()
    await eventually("carol's new post is kept live", async () => ((await has(carolLive.uri)) ? true : undefined))
    assert.ok((await describeWorld(client, prefix)).members.includes(carol.did))
  })

  test("deleting the list item removes the member and, by the default policy, her records", async () => {
    const rkey = carolItem.split('/').pop()!
    await net.agentFor(owner.did).com.atproto.repo.deleteRecord({ repo: owner.did, collection: LISTITEM, rkey })
    await net.processAll()
    // The purge may finish before the list item's delete is written (the keeper acts on the delete
    // as it is seen): both are waited for, or the next tests would start from a world with carol in it.
    await eventually("carol's records are purged and the list no longer names her", async () => {
      if ((await indexed({ term: { did: carol.did } })).size > 0) return undefined
      return (await describeWorld(client, prefix)).members.includes(carol.did) ? undefined : true
    }, 60_000)
    // Bob, still on the list, keeps his.
    assert.ok(await has(bobBefore))
  })

  test("/status and /metrics show the world's size, the records kept and the share of the firehose kept; what defines it only behind the token", async () => {
    const server = await startServer(config, client, log)
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    try {
      // Members as the ingest last acted on them: alice and bob (carol has left).
      const pub = await eventually('the status counts two members', async () => {
        const body = (await (await fetch(`${base}/status`)).json()) as any
        return body.world?.members === 2 ? body : undefined
      })
      const { world } = pub
      assert.equal(world.active, true)
      assert.equal(world.hostSelectors, false)
      assert.equal(world.records, pub.indices.totalDocs)
      assert.ok(world.records > 0)
      // Outsiders wrote most of what this ingest saw (carol, eve, the list owner): far from everything was kept.
      assert.ok(world.firehose.seen > 0 && world.firehose.kept > 0 && world.firehose.kept < world.firehose.seen, JSON.stringify(world.firehose))
      assert.equal(world.firehose.keptShare, Math.round((world.firehose.kept / world.firehose.seen) * 10_000) / 10_000)
      // A visitor learns the size, not who or what defines the world.
      assert.equal(world.selectors, undefined)
      assert.equal(world.policy, undefined)
      assert.equal(world.firehose.passedOverBeforeDecoding, undefined)
      const publicText = JSON.stringify(pub)
      for (const did of [alice.did, bob.did, owner.did]) assert.ok(!publicText.includes(did), `${did} in the public status`)

      const admin = (await (await fetch(`${base}/status`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as any
      assert.deepEqual(admin.world.selectors.length, 2)
      assert.ok(admin.world.selectors.some((s: string) => s.includes(listUri)), JSON.stringify(admin.world.selectors))
      assert.equal(admin.world.policy.touching, 'keep')
      assert.ok(admin.world.firehose.passedOverBeforeDecoding >= 0)

      const metrics = await (await fetch(`${base}/metrics`)).text()
      const metric = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(metrics)?.[1])
      assert.equal(metric('magpie_world_members'), 2)
      assert.ok(metric('magpie_world_seen_events_total') >= world.firehose.seen)
      assert.ok(metric('magpie_world_kept_events_total') >= world.firehose.kept)
      assert.ok(metric('magpie_world_kept_events_total') < metric('magpie_world_seen_events_total'))
      assert.equal(metric('magpie_records'), world.records)
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })

  test('a bad world definition is refused with a reason and changes nothing', async () => {
    const before = await describeWorld(client, prefix)
    const unknownList = `at://${owner.did}/app.bsky.graph.list/3zzzzzzzzzzzz`
    // Each with the reason an operator can act on, naming what was wrong.
    const cases: [string[], string | RegExp][] = [
      [['nobody-here.test'], 'the handle nobody-here.test does not resolve to an account'],
      [[unknownList], `no list at ${unknownList}`],
      [['host:not a host'], /"not a host" is not a host name/],
      [[alice.did, 'follows:'], /^follows: wants a DID or a handle/],
    ]
    for (const [inputs, reason] of cases) {
      const r = await addToWorld(client, prefix, netFor(), inputs)
      assert.ok(!r.ok, `${inputs} should be refused`)
      assert.equal(r.errors.length, 1, JSON.stringify(r))
      if (typeof reason === 'string') assert.equal(r.errors[0], reason)
      else assert.match(r.errors[0]!, reason)
    }
    const removal = await removeFromWorld(client, prefix, ['did:plc:zzzzzzzzzzzzzzzzzzzzzzzz'])
    assert.equal(removal.ok, false)
    assert.equal((await setWorldPolicy(client, prefix, { retentionDays: 'soon' })).ok, false)
    assert.deepEqual(await describeWorld(client, prefix), before)
  })

  test('magpie world on the command line: show prints the world; a bad add exits 2 with the reason and changes nothing', async () => {
    const before = await describeWorld(client, prefix)
    const magpie = (...args: string[]) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'world', ...args], {
        cwd: path.resolve(import.meta.dirname, '../..'),
        env: devnetEnv(net, prefix, { LOG_LEVEL: 'silent' }),
      })
    // Side by side (each is a process start): the refused add changes nothing that show would print.
    const [shown, refused] = await Promise.all([
      magpie('show', '--json'),
      magpie('add', eve.did, 'host:not a host').then(
        () => assert.fail('a bad add must fail'),
        (err: unknown) => err as { code: number; stderr: string },
      ),
    ])
    assert.deepEqual(JSON.parse(shown.stdout), before)
    assert.equal(refused.code, 2)
    assert.match(refused.stderr, /^magpie world add: "host:not a host": "not a host" is not a host name/m)
    assert.match(refused.stderr, /^nothing was changed$/m)
    assert.deepEqual(await describeWorld(client, prefix), before)
  })

  test('the admin XRPC shows and changes the world behind the operator\'s token, refusing bad input with a 400', async () => {
    const server = await startServer(config, client, log)
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/xrpc/net.magpie.admin`
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` }
    const post = (body: unknown, headers: Record<string, string> = auth) =>
      fetch(`${base}.updateWorld`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
    try {
      assert.equal((await fetch(`${base}.getWorld`)).status, 401)
      assert.equal((await fetch(`${base}.getWorld`, { headers: { authorization: 'Bearer not-the-token-at-all' } })).status, 401)
      const shown = await fetch(`${base}.getWorld`, { headers: auth })
      assert.equal(shown.status, 200)
      const world = (await shown.json()) as { members: string[]; version: number }
      assert.deepEqual(world.members, [alice.did, bob.did].sort())
      assert.equal((await post({ add: [eve.did] }, {})).status, 401)
      const refused = await post({ add: ['host:bad host name', eve.did] })
      assert.equal(refused.status, 400)
      const err = (await refused.json()) as { error: string; message: string }
      assert.equal(err.error, 'InvalidRequest')
      assert.match(err.message, /not a host name/)
      const shownNow = async () => (await (await fetch(`${base}.getWorld`, { headers: auth })).json()) as typeof world
      assert.deepEqual(await shownNow(), world)
      // One call is one change: a bad part refuses the good parts with it, whatever their order.
      for (const mixed of [{ remove: [alice.did], add: ['host:bad host name'] }, { add: [eve.did], policy: { touching: 'sometimes' } }]) {
        const res = await post(mixed)
        assert.equal(res.status, 400, JSON.stringify(mixed))
        assert.match(((await res.json()) as { message: string }).message, /^nothing was changed: .*(not a host name|touching must be keep or drop)/)
        assert.deepEqual(await shownNow(), world, `${JSON.stringify(mixed)} changed nothing`)
      }
      const changed = await post({ policy: { touching: 'keep', onRemove: 'delete' } })
      assert.equal(changed.status, 200)
      assert.equal(((await changed.json()) as { version: number }).version, world.version + 1)
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })

  test('retention drops an old month whole, and counts of what remains stay exact', async () => {
    const jan2024 = (day: number) => TID.fromTime(Date.UTC(2024, 0, day) * 1000, 0).toString()
    const old = await post(alice, 'a post from long ago', {}, jan2024(10))
    const oldLike = await createRecord(net.agentFor(bob.did), LIKE, { subject: strong(p1), createdAt: now() }, jan2024(11))
    await net.processAll()
    await eventually('the old records are indexed', async () => ((await has(old.uri)) && (await has(oldLike.uri)) ? true : undefined))
    // Settle January 2024 so its counts come from the aggregate documents.
    const rollup = new Rollup(client, prefix, log)
    await eventually('the old month settles', async () => {
      await rollup.pass()
      const state = await rollup.loadState()
      return state.partitions[`${prefix}likes-2024.01`]?.settled && state.partitions[`${prefix}posts-2024.01`]?.settled ? true : undefined
    })
    const plane = createDataPlane({ client, prefix, cacheTtlMs: 0 })
    const likeNotices = async () =>
      (await createDataPlane({ client, prefix, cacheTtlMs: 0 }).getNotificationCandidates({ recipient: alice.did, reasons: ['like'], threads: [] }, { limit: 50 })).items.map((n) => n.record.uri)
    assert.ok((await likeNotices()).includes(oldLike.uri), "alice hears of bob's old like")
    const postsBefore = (await plane.getProfileCounts([alice.did])).get(alice.did)!.posts
    assert.equal((await plane.getPostCounts([p1.uri])).get(p1.uri)?.likes, 2)
    const aggBefore = await client.get({ index: `${prefix}aggregates`, id: p1.uri })
    assert.ok((aggBefore.body as any)._source.c.likes['likes-2024_01'], 'the old month is counted in the aggregate document')
    const bobsEdge = edgeId(EDGE_SPEC.get('likes')!, bob.did, p1.uri)
    const edgeBefore = await client.get({ index: `${prefix}edges`, id: bobsEdge })
    assert.ok((edgeBefore.body as any)._source.e['likes-2024_01'], "bob's old like is in his edge document")

    assert.ok((await setWorldPolicy(client, prefix, { retentionDays: '30' })).ok)
    await eventually('the old partitions are dropped', async () => {
      const res = await client.cat.indices({ index: `${prefix}*2024.01*`, format: 'json' }, { ignore: [404] })
      return ((res.body as unknown[]) ?? []).length === 0 ? true : undefined
    })
    await rollup.pass()
    const fresh = createDataPlane({ client, prefix, cacheTtlMs: 0 })
    assert.equal((await fresh.getProfileCounts([alice.did])).get(alice.did)!.posts, postsBefore - 1)
    assert.equal((await fresh.getPostCounts([p1.uri])).get(p1.uri)?.likes, 1)
    // Notifications are of what remains: the like left with its month, eve's (this month) stays.
    const notices = await likeNotices()
    assert.equal(notices.includes(oldLike.uri), false)
    assert.equal(notices.length, 1, JSON.stringify(notices))
    // The keeper strips the aggregate and then the edge documents once the partitions are gone: on a busy machine, a moment later.
    await eventually("the dropped month's entry is gone from the aggregate document", async () => {
      const aggAfter = await client.get({ index: `${prefix}aggregates`, id: p1.uri })
      return (aggAfter.body as any)._source.c.likes['likes-2024_01'] === undefined ? true : undefined
    })
    await eventually("the dropped month's entry is gone from the edge document", async () => {
      const edgeAfter = await client.get({ index: `${prefix}edges`, id: bobsEdge }, { ignore: [404] })
      return (edgeAfter.body as any)._source?.e?.['likes-2024_01'] === undefined ? true : undefined
    })
    // A record of a dropped month written now is left out, so the month does not come back.
    const late = await post(alice, 'another post from long ago', {}, jan2024(12))
    const marker = await post(alice, 'a marker after it')
    await net.processAll()
    await eventually('the marker is indexed', async () => ((await has(marker.uri)) ? true : undefined))
    assert.equal(await has(late.uri), false)
  })

  test('a backfill of the world on a fresh index (magpie backfill, up) reads the lists and follows first: their members\' repos are backfilled, outsiders\' are not', async () => {
    // A second list, whose owner is on it: she is a definer and, once her list is read, a member.
    const eveList = (await createRecord(net.agentFor(eve.did), 'app.bsky.graph.list', { purpose: 'app.bsky.graph.defs#curatelist', name: 'me', createdAt: now() })).uri
    await createRecord(net.agentFor(eve.did), LISTITEM, { subject: eve.did, list: eveList, createdAt: now() })
    const evePost = await post(eve, 'eve, on her own list')
    const ownerPost = await post(owner, 'the owner, outside the world')
    // And the follows of the list owner: gus, whom she follows (outside the live world above).
    const gus = await net.createAccount('gus')
    const gusPost = await post(gus, 'gus, followed by the owner')
    const ownerFollow = (await createRecord(net.agentFor(owner.did), FOLLOW, { subject: gus.did, createdAt: now() })).uri
    await net.processAll()
    await withWorldBackfilled([alice.handle, listUri, eveList, `follows:${owner.handle}`], async (_, docs) => {
      // Alice by name, bob by the first list (whose items only its owner's repo holds), eve by her own, gus by the follow.
      for (const uri of [p1.uri, bobBefore, listUri, eveList, evePost.uri, ownerFollow, gusPost.uri]) assert.ok(docs.has(uri), `${uri} should be backfilled`)
      assert.equal(docs.has(ownerPost.uri), false, 'a list owner who is not on it keeps only her lists and follows')
      assert.deepEqual([...docs].filter((u) => u.startsWith(`at://${carol.did}/`)), [])
    })
  })

  test('a world of hosts backfills the accounts whose DID documents name them (the PDS\'s listRepos, filtered)', async () => {
    const pds = new URL(net.pdsUrl).host
    for (const [selector, kept] of [[`host:${pds}`, true], [`not-host:${pds}`, false]] as const) {
      await withWorldBackfilled([selector], async (_, docs) => {
        for (const uri of [carolBefore, bobBefore, p1.uri]) assert.equal(docs.has(uri), kept, `${selector}: ${uri}`)
      })
    }
  })

  test('members removed while nothing ran are acted on at the next start: records deleted, or kept under --on-remove keep', async () => {
    await withWorldBackfilled([alice.did, bob.did, carol.did], async (fresh, docs) => {
      for (const uri of [bobBefore, carolBefore]) assert.ok(docs.has(uri), `${uri} should be backfilled`)
      // An ingest's keeper starting and stopping (its backfill of members already done above).
      const restart = async () => {
        const keeper = new WorldKeeper({ client, prefix: fresh, log, pollMs: 3_600_000, backfill: async () => {} })
        await keeper.start()
        await keeper.stop()
      }
      await restart()
      assert.ok((await setWorldPolicy(client, fresh, { onRemove: 'keep' })).ok)
      assert.ok((await removeFromWorld(client, fresh, [bob.did])).ok)
      await restart()
      assert.ok((await setWorldPolicy(client, fresh, { onRemove: 'delete' })).ok)
      assert.ok((await removeFromWorld(client, fresh, [carol.did])).ok)
      await restart()
      const left = await indexed({ match_all: {} }, fresh)
      assert.ok(left.has(bobBefore), 'bob left under keep: his records stay')
      assert.deepEqual([...left].filter((u) => u.startsWith(`at://${carol.did}/`)), [], 'carol left under delete: hers are gone')
      assert.ok(left.has(p1.uri), "alice's stay")
      assert.deepEqual((await describeWorld(client, fresh)).members, [alice.did])
    })
  })
})
