import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { RichText, type AtpAgent } from '@atproto/api'
import type { Client } from '@opensearch-project/opensearch'
import { startDevNetwork, type DevAccount, type DevNetwork } from '#devnet/network.js'
import { startLiveIngest } from '#/ingest/wire.js'
import { createLogger } from '#/log.js'
import { recordsSkipped } from '#/metrics.js'
import { applySetup } from '#/store/setup.js'
import { devnetConfig } from '../helpers/devnet-env.js'
import { dropPrefix, eventually, testClient, uniquePrefix } from '../helpers/opensearch.js'

/**
 * The live path end to end: records written through a real PDS reach OpenSearch through its
 * real firehose, with the fields reads will use; updates replace them; deletes tombstone them.
 */

let net: DevNetwork
let client: Client
let prefix: string
let alice: DevAccount
let bob: DevAccount
let carol: DevAccount
const stop = new AbortController()
let ingest: Promise<unknown>

before(async () => {
  net = await startDevNetwork()
  client = testClient()
  prefix = uniquePrefix('live')
  const config = devnetConfig(net, prefix, { BULK_FLUSH_MS: '50' })
  const log = createLogger(process.env.LOG_LEVEL ?? 'warn')
  await applySetup(client, prefix, log)
  // From the network's first event: at the live tail, accounts made before the socket is open would be missed.
  ingest = startLiveIngest(config, client, log, { service: net.firehoseUrl, cursor: 0, signal: stop.signal })
  alice = await net.createAccount('alice')
  bob = await net.createAccount('bob')
  carol = await net.createAccount('carol')
})

after(async () => {
  stop.abort()
  await ingest
  await net.close()
  await dropPrefix(client, prefix)
  await client.close()
})

/** Live documents (not tombstones) of a family matching `query`. */
async function find(index: string, query: object): Promise<{ _id: string; _source: Record<string, any> }[]> {
  const res = await client.search({
    index: `${prefix}${index}`,
    body: { query: { bool: { filter: [query], must_not: [{ term: { tomb: true } }] } }, size: 100 },
  })
  return (res.body as any).hits.hits
}

async function byId(index: string, uri: string) {
  const res = await client.search({ index: `${prefix}${index}`, body: { query: { ids: { values: [uri] } }, version: true } })
  return (res.body as any).hits.hits[0] as { _id: string; _index: string; _version: number; _source: Record<string, any> } | undefined
}

async function appears(index: string, uri: string, query: object = { ids: { values: [uri] } }) {
  return eventually(`${uri} in ${index}`, async () => {
    const hits = await find(index, { bool: { filter: [{ ids: { values: [uri] } }, query] } })
    return hits[0]
  })
}

async function tombstoned(index: string, uri: string) {
  return eventually(`${uri} tombstoned`, async () => {
    const doc = await byId(index, uri)
    return doc?._source.tomb === true ? doc : undefined
  })
}

async function create(agent: AtpAgent, collection: string, record: Record<string, unknown>, rkey?: string, validate?: boolean) {
  const res = await agent.com.atproto.repo.createRecord({
    repo: agent.session!.did,
    collection,
    record: { $type: collection, ...record },
    rkey,
    validate,
  })
  return res.data
}

async function put(agent: AtpAgent, collection: string, rkey: string, record: Record<string, unknown>) {
  const res = await agent.com.atproto.repo.putRecord({ repo: agent.session!.did, collection, rkey, record: { $type: collection, ...record } })
  return res.data
}

async function remove(agent: AtpAgent, uri: string) {
  const [, , did, collection, rkey] = uri.split('/')
  await agent.com.atproto.repo.deleteRecord({ repo: did!, collection: collection!, rkey: rkey! })
}

const now = () => new Date().toISOString()

describe('posts', () => {
  test('a post with facets, langs and a reply is indexed for search, threads and notifications', async () => {
    const rt = new RichText({ text: `hello @bob.test see https://example.com/page #Magpie` })
    await rt.detectFacets(bob.agent)
    const root = await create(alice.agent, 'app.bsky.feed.post', { text: rt.text, facets: rt.facets, langs: ['en'], createdAt: now() })
    const doc = await appears('posts', root.uri, { match: { text: 'hello' } })
    assert.equal(doc._source.did, alice.did)
    assert.equal(doc._source.cid, root.cid)
    assert.equal(doc._source.record.text, rt.text)
    // Derived fields are not in _source (they are re-derivable): they must be queryable.
    await appears('posts', root.uri, { term: { mentions: bob.did } })
    await appears('posts', root.uri, { term: { tags: 'magpie' } })
    await appears('posts', root.uri, { term: { domains: 'example.com' } })
    await appears('posts', root.uri, { term: { langs: 'en' } })

    const reply = await create(bob.agent, 'app.bsky.feed.post', {
      text: 'a reply',
      reply: { root: { uri: root.uri, cid: root.cid }, parent: { uri: root.uri, cid: root.cid } },
      createdAt: now(),
    })
    await appears('posts', reply.uri, { term: { replyParentDid: alice.did } })
    await appears('posts', reply.uri, { term: { replyRoot: root.uri } })

    const quote = await create(carol.agent, 'app.bsky.feed.post', {
      text: 'quoting',
      embed: { $type: 'app.bsky.embed.record', record: { uri: root.uri, cid: root.cid } },
      createdAt: now(),
    })
    await appears('posts', quote.uri, { term: { quotedUri: root.uri } })

    await remove(alice.agent, root.uri)
    const tomb = await tombstoned('posts', root.uri)
    assert.equal(tomb._source.record, undefined, 'a tombstone keeps no content')
    assert.deepEqual(await find('posts', { ids: { values: [root.uri] } }), [])
  })

  test('a post lands in the monthly partition named by its TID rkey', async () => {
    const post = await create(alice.agent, 'app.bsky.feed.post', { text: 'partitioned', createdAt: now() })
    const doc = await eventually('partitioned post', () => byId('posts', post.uri))
    const d = new Date()
    const month = `${d.getUTCFullYear()}.${String(d.getUTCMonth() + 1).padStart(2, '0')}`
    assert.equal(doc._index, `${prefix}posts-${month}`)
    // Non-TID rkeys go to the fixed partition.
    const odd = await create(alice.agent, 'com.example.magpie.note', { text: 'custom key', createdAt: now() }, 'custom-key-1', false)
    const tidKeyed = await create(alice.agent, 'com.example.magpie.note', { text: 'tid key', createdAt: now() }, undefined, false)
    const tidDoc = await eventually('tid-keyed generic record', () => byId('records', tidKeyed.uri))
    assert.equal(tidDoc._index, `${prefix}records-all`, 'unpartitioned families keep one index')
    const oddDoc = await eventually('custom-key record', () => byId('records', odd.uri))
    assert.equal(oddDoc._index, `${prefix}records-all`)
  })
})

describe('interactions and graph', () => {
  test('likes, reposts, follows, blocks: created with their subjects, deleted to tombstones', async () => {
    const post = await create(bob.agent, 'app.bsky.feed.post', { text: 'like me', createdAt: now() })
    const subject = { uri: post.uri, cid: post.cid }
    const repost = await create(carol.agent, 'app.bsky.feed.repost', { subject, createdAt: now() })
    const like = await create(alice.agent, 'app.bsky.feed.like', {
      subject,
      via: { uri: repost.uri, cid: repost.cid },
      createdAt: now(),
    })
    const follow = await create(alice.agent, 'app.bsky.graph.follow', { subject: bob.did, createdAt: now() })
    const block = await create(carol.agent, 'app.bsky.graph.block', { subject: alice.did, createdAt: now() })

    await appears('likes', like.uri, { term: { subjectUri: post.uri } })
    await appears('likes', like.uri, { term: { viaDid: carol.did } })
    await appears('reposts', repost.uri, { term: { subjectDid: bob.did } })
    await appears('follows', follow.uri, { term: { subjectDid: bob.did } })
    await appears('blocks', block.uri, { term: { subjectDid: alice.did } })

    // Exact counts come from the indices.
    const likes = await client.count({
      index: `${prefix}likes`,
      body: { query: { bool: { filter: [{ term: { subjectUri: post.uri } }], must_not: [{ term: { tomb: true } }] } } },
    })
    assert.equal((likes.body as any).count, 1)

    for (const [index, uri] of [
      ['likes', like.uri],
      ['reposts', repost.uri],
      ['follows', follow.uri],
      ['blocks', block.uri],
    ] as const) {
      await remove(uri.includes(alice.did) ? alice.agent : carol.agent, uri)
      await tombstoned(index, uri)
    }
  })

  test('lists, list items, list blocks and starter packs', async () => {
    const list = await create(alice.agent, 'app.bsky.graph.list', {
      purpose: 'app.bsky.graph.defs#curatelist',
      name: 'Friends',
      createdAt: now(),
    })
    await appears('lists', list.uri)
    const item = await create(alice.agent, 'app.bsky.graph.listitem', { list: list.uri, subject: bob.did, createdAt: now() })
    await appears('listitems', item.uri, { term: { listUri: list.uri } })
    const modList = await create(carol.agent, 'app.bsky.graph.list', {
      purpose: 'app.bsky.graph.defs#modlist',
      name: 'Blocked',
      createdAt: now(),
    })
    const listblock = await create(bob.agent, 'app.bsky.graph.listblock', { subject: modList.uri, createdAt: now() })
    await appears('listblocks', listblock.uri, { term: { listUri: modList.uri } })
    const pack = await create(alice.agent, 'app.bsky.graph.starterpack', { name: 'Start here', list: list.uri, createdAt: now() })
    await appears('starterpacks', pack.uri, { term: { listUri: list.uri } })

    // Updates replace the document at the newer revision.
    const [, , , , rkey] = list.uri.split('/')
    await put(alice.agent, 'app.bsky.graph.list', rkey!, { purpose: 'app.bsky.graph.defs#curatelist', name: 'Best friends', createdAt: now() })
    const renamed = await eventually(`${list.uri} renamed`, async () => {
      const [hit] = await find('lists', { ids: { values: [list.uri] } })
      return hit?._source.record.name === 'Best friends' ? hit : undefined
    })
    assert.equal(renamed._source.record.name, 'Best friends')

    await remove(alice.agent, item.uri)
    await tombstoned('listitems', item.uri)
    await remove(alice.agent, pack.uri)
    await tombstoned('starterpacks', pack.uri)
  })
})

describe('actor-level and other records', () => {
  test('profile: create, update, delete', async () => {
    const profile = await put(bob.agent, 'app.bsky.actor.profile', 'self', { displayName: 'Bob', description: 'first' })
    await appears('profiles', profile.uri, { match: { displayName: 'Bob' } })
    await put(bob.agent, 'app.bsky.actor.profile', 'self', { displayName: 'Robert', description: 'second' })
    const updated = await appears('profiles', profile.uri, { match: { displayName: 'Robert' } })
    assert.equal(updated._source.record.description, 'second')
    await remove(bob.agent, profile.uri)
    await tombstoned('profiles', profile.uri)
  })

  test('feed generators, threadgates, postgates, labeler, verification, status and declarations', async () => {
    const gen = await create(alice.agent, 'app.bsky.feed.generator', { did: 'did:web:feeds.example.com', displayName: 'Cats', createdAt: now() }, 'cats')
    await appears('feedgens', gen.uri, { term: { serviceDid: 'did:web:feeds.example.com' } })

    const post = await create(alice.agent, 'app.bsky.feed.post', { text: 'gated', createdAt: now() })
    const [, , , , postRkey] = post.uri.split('/')
    const gate = await put(alice.agent, 'app.bsky.feed.threadgate', postRkey!, {
      post: post.uri,
      allow: [{ $type: 'app.bsky.feed.threadgate#mentionRule' }],
      hiddenReplies: [],
      createdAt: now(),
    })
    await appears('threadgates', gate.uri, { term: { postUri: post.uri } })
    const pgate = await put(alice.agent, 'app.bsky.feed.postgate', postRkey!, {
      post: post.uri,
      embeddingRules: [{ $type: 'app.bsky.feed.postgate#disableRule' }],
      createdAt: now(),
    })
    await appears('postgates', pgate.uri, { term: { embeddingDisabled: true } })

    const labeler = await put(carol.agent, 'app.bsky.labeler.service', 'self', {
      policies: { labelValues: ['spam'] },
      createdAt: now(),
    })
    await appears('labelers', labeler.uri)

    const verification = await create(carol.agent, 'app.bsky.graph.verification', {
      subject: alice.did,
      handle: alice.handle,
      displayName: 'Alice',
      createdAt: now(),
    })
    await appears('verifications', verification.uri, { term: { subjectDid: alice.did } })

    const status = await put(bob.agent, 'app.bsky.actor.status', 'self', {
      status: 'app.bsky.actor.status#live',
      durationMinutes: 30,
      createdAt: now(),
    })
    await appears('statuses', status.uri, { term: { status: 'app.bsky.actor.status#live' } })

    const notif = await put(bob.agent, 'app.bsky.notification.declaration', 'self', { allowSubscriptions: 'followers' })
    await appears('notif-declarations', notif.uri, { term: { allowSubscriptions: 'followers' } })
    const chat = await put(bob.agent, 'chat.bsky.actor.declaration', 'self', { allowIncoming: 'following' })
    await appears('chat-declarations', chat.uri, { term: { allowIncoming: 'following' } })

    await remove(alice.agent, gate.uri)
    await tombstoned('threadgates', gate.uri)
    await remove(bob.agent, status.uri)
    await tombstoned('statuses', status.uri)
  })

  test('records of unknown lexicons are kept generically, with their collection', async () => {
    const rec = await create(alice.agent, 'com.example.magpie.thing', { anything: { goes: [1, 2, 3] }, createdAt: now() }, undefined, false)
    const doc = await appears('records', rec.uri, { term: { collection: 'com.example.magpie.thing' } })
    assert.deepEqual(doc._source.record.anything, { goes: [1, 2, 3] })
    await remove(alice.agent, rec.uri)
    await tombstoned('records', rec.uri)
  })

  test('a record that violates its lexicon is counted and not indexed; the rest of the stream goes on', async () => {
    const before = await skippedInvalid('app.bsky.feed.like')
    const bad = await create(alice.agent, 'app.bsky.feed.like', { subject: 'not a strong ref', createdAt: now() }, undefined, false)
    const good = await create(alice.agent, 'app.bsky.feed.post', { text: 'after the bad one', createdAt: now() })
    await appears('posts', good.uri)
    assert.equal(await byId('likes', bad.uri), undefined)
    assert.equal((await skippedInvalid('app.bsky.feed.like')) - before, 1)
  })
})

async function skippedInvalid(collection: string): Promise<number> {
  const metric = await recordsSkipped.get()
  return metric.values.find((v) => v.labels.collection === collection && v.labels.reason === 'invalid')?.value ?? 0
}

describe('strings survive exactly', () => {
  test('NUL bytes, lone surrogates, RTL, emoji and very long text round-trip through the PDS and OpenSearch', async () => {
    const cases = [
      'nul\u0000inside',
      'lone \ud800 surrogate',
      'שלום עולם مرحبا',
      'emoji 🦜👩‍👩‍👧 family',
      '長'.repeat(300),
      'control \u0001\u001f\u007f chars',
    ]
    for (const text of cases) {
      const post = await create(alice.agent, 'app.bsky.feed.post', { text, createdAt: now() }, undefined, false)
      // What the repo holds (the PDS stores UTF-8, so a lone surrogate arrives as U+FFFD).
      const stored = await alice.agent.com.atproto.repo.getRecord({ repo: alice.did, collection: 'app.bsky.feed.post', rkey: post.uri.split('/').pop()! })
      const expected = (stored.data.value as { text: string }).text
      const doc = await eventually(`post ${JSON.stringify(text.slice(0, 20))}`, () => byId('posts', post.uri), 20_000)
      assert.equal(doc._source.record.text, expected)
    }
  })

  test('text over the lexicon limit is rejected with a logged reason, not truncated', async () => {
    const before = await skippedInvalid('app.bsky.feed.post')
    const long = await create(alice.agent, 'app.bsky.feed.post', { text: 'x'.repeat(2900), createdAt: now() }, undefined, false)
    const marker = await create(alice.agent, 'app.bsky.feed.post', { text: 'marker after long', createdAt: now() })
    await appears('posts', marker.uri)
    assert.equal(await byId('posts', long.uri), undefined)
    assert.equal((await skippedInvalid('app.bsky.feed.post')) - before, 1)
  })
})

describe('identity and account events', () => {
  test('a handle change is verified and recorded; deactivation and reactivation are tracked', async () => {
    const dave = await net.createAccount('dave')
    const actor = async () => {
      const res = await client.get({ index: `${prefix}actors-all`, id: dave.did }, { ignore: [404] })
      return (res.body as any).found ? ((res.body as any)._source as Record<string, any>) : undefined
    }
    // First the original handle is verified (so its DID document sits in Magpie's cache)…
    await eventually('verified first handle', async () => {
      const a = await actor()
      return a?.handle === 'dave.test' && a.handleValid === true ? a : undefined
    })
    // …and the #identity event of the change must not be answered from that cache.
    await net.changeHandle(dave.did, 'dave2.test')
    await eventually('verified new handle', async () => {
      const a = await actor()
      return a?.handle === 'dave2.test' && a.handleValid === true && a.pendingIdentity === false ? a : undefined
    })
    await net.deactivate(dave.did)
    await eventually('deactivated', async () => {
      const a = await actor()
      return a?.active === false && a.status === 'deactivated' ? a : undefined
    })
    await net.activate(dave.did)
    await eventually('active again', async () => {
      const a = await actor()
      return a?.active === true ? a : undefined
    })
    await net.takedown(dave.did)
    await eventually('taken down', async () => {
      const a = await actor()
      return a?.status === 'takendown' ? a : undefined
    })
  })
})
