import assert from 'node:assert/strict'
import http, { type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { AtpAgent, lexicons } from '@atproto/api'
import { createServiceJwt, verifyJwt } from '@atproto/xrpc-server'
import type { DevAccount, DevNetwork } from '#devnet/network.js'
import { listenOn } from '#/server/listen.js'
import { createRecord, SERVICE_DID, startMagpieApi, until, type MagpieApi } from '../helpers/magpie-api.js'

/**
 * app.bsky.feed.getFeed for feeds hosted elsewhere: a real feed generator service started here
 * (a did:web on 127.0.0.1) answers getFeedSkeleton, well or badly, and Magpie hydrates what it
 * sends from posts written through a real PDS. Every 200 answer is checked against the lexicon.
 */

const SKELETON = '/xrpc/app.bsky.feed.getFeedSkeleton'
const TIMEOUT_MS = 1_500

let api: MagpieApi
let net: DevNetwork
let generator: Server
let generatorDid: string
/** What the generator was last sent, by feed record key. */
const received = new Map<string, { authorization?: string; acceptLanguage?: string; query: URLSearchParams }>()

type Named = 'alice' | 'bob' | 'carol' | 'dave' | 'vera'
const acct = {} as Record<Named, DevAccount>
const posts: Record<string, string> = {}
let carolRepostsBob: string
let veraLikesAlice: string
const feeds: Record<string, string> = {}

before(async () => {
  api = await startMagpieApi('get-feed', { FEEDGEN_TIMEOUT_MS: String(TIMEOUT_MS) })
  ;({ net } = api)
  generator = await startGenerator()
  const names: Named[] = ['alice', 'bob', 'carol', 'dave', 'vera']
  const created = await Promise.all(names.map((name) => net.createAccount(name)))
  names.forEach((name, i) => (acct[name] = created[i]!))
  await writeFixtures()
})

after(async () => {
  await new Promise<void>((resolve) => generator.close(() => resolve()))
  await api.close()
})

const now = () => new Date().toISOString()

async function writeFixtures() {
  const { alice, bob, carol, dave, vera } = acct
  for (const [who, key] of [[alice, 'a1'], [alice, 'a2'], [bob, 'b1'], [bob, 'b2'], [dave, 'd1']] as const) {
    posts[key] = (await createRecord(who.agent, 'app.bsky.feed.post', { text: `post ${key}`, createdAt: now() })).uri
  }
  const b1 = await bob.agent.com.atproto.repo.getRecord({ repo: bob.did, collection: 'app.bsky.feed.post', rkey: posts.b1!.split('/').pop()! })
  carolRepostsBob = (await createRecord(carol.agent, 'app.bsky.feed.repost', { subject: { uri: posts.b1, cid: b1.data.cid }, createdAt: now() })).uri
  const a1 = await alice.agent.com.atproto.repo.getRecord({ repo: alice.did, collection: 'app.bsky.feed.post', rkey: posts.a1!.split('/').pop()! })
  veraLikesAlice = (await createRecord(vera.agent, 'app.bsky.feed.like', { subject: { uri: posts.a1, cid: a1.data.cid }, createdAt: now() })).uri
  // Vera blocks Dave: his posts are left out of any feed she reads.
  await createRecord(vera.agent, 'app.bsky.graph.block', { subject: dave.did, createdAt: now() })
  for (const rkey of ['good', 'hostile', 'slow', 'broken', 'garbage', 'huge', 'looping']) {
    feeds[rkey] = (await createRecord(alice.agent, 'app.bsky.feed.generator', { did: generatorDid, displayName: rkey, createdAt: now() }, rkey)).uri
  }
  // A generator record whose DID names no feed service.
  feeds.nofg = (await createRecord(alice.agent, 'app.bsky.feed.generator', { did: bob.did, displayName: 'nofg', createdAt: now() }, 'nofg')).uri
  // Ingest is asynchronous: wait for the last block, likes, reposts and records to be readable.
  await until('fixtures ingested', () => api.xrpc('app.bsky.feed.getFeed', { feed: feeds.nofg! }), (a) => a.status === 400 && /did document/.test(a.body.message))
  await until(
    'posts, the like, the repost and the block',
    () => api.xrpc('app.bsky.feed.getFeed', { feed: feeds.good!, limit: 10 }, vera),
    (a) => a.status === 200 && a.body.feed.length === 4 && a.body.feed[0].post.likeCount === 1 && a.body.feed[1].reason !== undefined,
  )
}

/** The skeleton each feed's generator sends (by the feed record's key). */
function skeletonFor(rkey: string, query: URLSearchParams, res: ServerResponse): void {
  const limit = Number(query.get('limit'))
  const json = (status: number, body: unknown) => {
    res.statusCode = status
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify(body))
  }
  switch (rkey) {
    case 'good': {
      const all = [
        { post: posts.a1, feedContext: 'ctx-a1' },
        { post: posts.b1, reason: { $type: 'app.bsky.feed.defs#skeletonReasonRepost', repost: carolRepostsBob }, feedContext: 'ctx-b1' },
        { post: posts.a2, reason: { $type: 'app.bsky.feed.defs#skeletonReasonPin' } },
        { post: posts.d1 },
        { post: posts.b2 },
      ]
      const offset = Number(query.get('cursor') ?? 0)
      const page = all.slice(offset, offset + limit)
      res.setHeader('content-language', 'en')
      return json(200, { feed: page, reqId: 'req-42', cursor: offset + limit < all.length ? String(offset + limit) : undefined })
    }
    case 'hostile': {
      const feed = [
        { post: posts.b2 },
        { post: `at://${acct.alice.did}/app.bsky.feed.post/3kdoesnotexist` },
        { post: posts.b2 },
        { post: 'at://alice.test/app.bsky.feed.post/3kaaaaaaaaaa2' },
        { post: `at://${acct.alice.did}/app.bsky.graph.follow/3kaaaaaaaaaa2` },
        { post: posts.a2, reason: { $type: 'app.bsky.feed.defs#skeletonReasonRepost', repost: posts.b1 } },
        // A repost reason naming a repost of another post: shown nowhere.
        { post: posts.a2, reason: { $type: 'app.bsky.feed.defs#skeletonReasonRepost', repost: carolRepostsBob } },
        'junk',
        { post: posts.a1, feedContext: 'x'.repeat(2001) },
        { post: posts.b1 },
        ...Array.from({ length: 5000 }, () => ({ post: posts.a1 })),
      ]
      return json(200, { feed })
    }
    case 'looping':
      return json(200, { feed: [{ post: posts.a1 }], cursor: query.get('cursor') ?? 'start' })
    case 'slow':
      setTimeout(() => json(200, { feed: [{ post: posts.a1 }] }), TIMEOUT_MS * 3).unref()
      return
    case 'broken':
      return json(500, { error: 'InternalServerError', message: 'the algorithm fell over' })
    case 'garbage':
      res.statusCode = 200
      return void res.end('<html>not a skeleton</html>')
    case 'huge':
      return json(200, { feed: [{ post: posts.a1, feedContext: 'x'.repeat(2 * 1024 * 1024) }] })
    default:
      return json(400, { error: 'UnknownFeed', message: `unknown feed ${rkey}` })
  }
}

async function startGenerator(): Promise<Server> {
  const service = http.createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://generator')
    if (url.pathname === '/.well-known/did.json') {
      res.setHeader('content-type', 'application/json')
      return void res.end(
        JSON.stringify({
          '@context': ['https://www.w3.org/ns/did/v1'],
          id: generatorDid,
          service: [{ id: '#bsky_fg', type: 'BskyFeedGenerator', serviceEndpoint: `http://127.0.0.1:${(service.address() as AddressInfo).port}` }],
        }),
      )
    }
    if (url.pathname !== SKELETON) {
      res.statusCode = 404
      return void res.end()
    }
    const rkey = (url.searchParams.get('feed') ?? '').split('/').pop() ?? ''
    received.set(rkey, { authorization: req.headers.authorization, acceptLanguage: req.headers['accept-language'], query: url.searchParams })
    skeletonFor(rkey, url.searchParams, res)
  })
  await listenOn(service, 0, '127.0.0.1')
  generatorDid = `did:web:127.0.0.1%3A${(service.address() as AddressInfo).port}`
  return service
}

const getFeed = (params: Record<string, string | number>, viewer?: DevAccount) => api.xrpc('app.bsky.feed.getFeed', params, viewer)

/**
 * getFeed with a token for the generator signed with the viewer's key, as their PDS mints it when
 * it forwards getFeed (signed here with the key the PDS holds: its getServiceAuth will not
 * address a did:web with a port).
 */
async function getFeedViaPds(viewer: DevAccount, feed: string, headers: Record<string, string> = {}) {
  const keypair = await net.raw.pds.ctx.actorStore.keypair(viewer.did)
  const token = await createServiceJwt({ iss: viewer.did, aud: generatorDid, lxm: 'app.bsky.feed.getFeedSkeleton', keypair })
  const res = await fetch(`${api.base}/xrpc/app.bsky.feed.getFeed?feed=${encodeURIComponent(feed)}`, { headers: { authorization: `Bearer ${token}`, ...headers } })
  const body = (await res.json()) as any
  if (res.status === 200) lexicons.assertValidXrpcOutput('app.bsky.feed.getFeed', body)
  return { status: res.status, body, token, headers: res.headers }
}

describe('getFeed from a feed generator elsewhere', () => {
  test('hydrates the skeleton: reposts, pins, feed context and request id passed on', async () => {
    const { status, body } = await getFeed({ feed: feeds.good!, limit: 10 })
    assert.equal(status, 200)
    assert.deepEqual(body.feed.map((f: any) => f.post.uri), [posts.a1, posts.b1, posts.a2, posts.d1, posts.b2])
    const [a1, b1, a2] = body.feed
    assert.equal(a1.feedContext, 'ctx-a1')
    assert.equal(a1.post.likeCount, 1)
    assert.equal(b1.reason.$type, 'app.bsky.feed.defs#reasonRepost')
    assert.equal(b1.reason.by.did, acct.carol.did)
    assert.equal(b1.reason.uri, carolRepostsBob)
    assert.equal(a2.reason.$type, 'app.bsky.feed.defs#reasonPin')
    assert.ok(body.feed.every((f: any) => f.reqId === 'req-42'))
    assert.equal(body.cursor, undefined)
  })

  test('anonymous and addressed-to-Magpie requests reach the generator with a token Magpie signs, checkable against its DID document', async () => {
    await getFeed({ feed: feeds.good!, limit: 1 }, acct.vera)
    const authorization = received.get('good')?.authorization
    assert.match(authorization ?? '', /^Bearer /)
    const didDoc = (await (await fetch(`${api.base}/.well-known/did.json`)).json()) as any
    const method = didDoc.verificationMethod.find((m: any) => m.id === `${SERVICE_DID}#atproto`)
    assert.equal(method.type, 'Multikey')
    const payload = await verifyJwt(authorization!.slice('Bearer '.length), generatorDid, 'app.bsky.feed.getFeedSkeleton', async (iss) => {
      assert.equal(iss, SERVICE_DID)
      return `did:key:${method.publicKeyMultibase}`
    })
    assert.equal(payload.iss, SERVICE_DID)
    assert.ok(payload.exp - Date.now() / 1000 <= 120, 'a short-lived token')
  })

  test("a token the viewer's PDS minted for the generator is passed on as it is; the viewer's state and rules apply", async () => {
    const { status, body, token, headers } = await getFeedViaPds(acct.vera, feeds.good!, { 'accept-language': 'pt-BR' })
    assert.equal(status, 200)
    assert.equal(received.get('good')?.authorization, `Bearer ${token}`)
    assert.equal(received.get('good')?.acceptLanguage, 'pt-BR')
    assert.equal(headers.get('content-language'), 'en')
    // Dave is blocked by Vera; her like shows.
    assert.deepEqual(body.feed.map((f: any) => f.post.uri), [posts.a1, posts.b1, posts.a2, posts.b2])
    assert.equal(body.feed[0].post.viewer.like, veraLikesAlice)
  })

  test('a token addressed to some third service is refused', async () => {
    const token = await api.serviceToken(acct.vera, 'app.bsky.feed.getFeed', 'did:web:elsewhere.test')
    const res = await fetch(`${api.base}/xrpc/app.bsky.feed.getFeed?feed=${encodeURIComponent(feeds.good!)}`, { headers: { authorization: `Bearer ${token}` } })
    assert.equal(res.status, 401)
    assert.equal(((await res.json()) as any).error, 'BadJwtAudience')
  })

  test('pages follow the generator cursor to the end, each item once', async () => {
    const seen: string[] = []
    let cursor: string | undefined
    for (let i = 0; i < 10; i++) {
      const { body } = await getFeed({ feed: feeds.good!, limit: 2, ...(cursor ? { cursor } : {}) })
      seen.push(...body.feed.map((f: any) => f.post.uri))
      cursor = body.cursor
      if (!cursor) break
    }
    assert.deepEqual(seen, [posts.a1, posts.b1, posts.a2, posts.d1, posts.b2])
    assert.equal(received.get('good')?.query.get('limit'), '2')
  })

  test('a hostile skeleton: unknown, malformed and repeated items dropped one by one, a huge page cut to the limit, an echoed cursor ends paging', async () => {
    const { status, body } = await getFeed({ feed: feeds.hostile!, limit: 12 })
    assert.equal(status, 200)
    assert.deepEqual(body.feed.map((f: any) => f.post.uri), [posts.b2, posts.b1, posts.a1])
    assert.equal(body.cursor, undefined)
    const looping = await getFeed({ feed: feeds.looping!, cursor: 'start' })
    assert.equal(looping.body.cursor, undefined)
  })

  test('a slow generator is given up on in time', async () => {
    const started = Date.now()
    const { status, body } = await getFeed({ feed: feeds.slow! })
    assert.equal(status, 502)
    assert.deepEqual(body, { error: 'UpstreamFailure', message: 'feed unavailable' })
    assert.ok(Date.now() - started < TIMEOUT_MS + 1_500, `answered after ${Date.now() - started} ms`)
  })

  test("a broken generator: its error passed on (a 500 as a 502); what is not a skeleton is InvalidFeedResponse", async () => {
    assert.deepEqual(await getFeed({ feed: feeds.broken! }), { status: 502, body: { error: 'InternalServerError', message: 'the algorithm fell over' } })
    assert.deepEqual(await getFeed({ feed: feeds.garbage! }), { status: 502, body: { error: 'InvalidFeedResponse', message: 'feed provided an invalid response' } })
    assert.deepEqual(await getFeed({ feed: feeds.huge! }), { status: 502, body: { error: 'InvalidFeedResponse', message: 'feed provided an invalid response' } })
  })

  test('feeds that cannot be found or have no generator service', async () => {
    assert.deepEqual((await getFeed({ feed: `at://${acct.alice.did}/app.bsky.feed.generator/nope` })).body, { error: 'InvalidRequest', message: 'could not find feed' })
    assert.deepEqual((await getFeed({ feed: posts.a1! })).body, { error: 'InvalidRequest', message: 'could not find feed' })
    assert.deepEqual((await getFeed({ feed: feeds.nofg! })).body, {
      error: 'InvalidRequest',
      message: `invalid feed generator service details in did document: ${acct.bob.did}`,
    })
  })

  test('the public @atproto/api client reads the feed through Magpie unchanged', async () => {
    const agent = new AtpAgent({ service: api.base })
    agent.setHeader('authorization', `Bearer ${await api.serviceToken(acct.vera, 'app.bsky.feed.getFeed')}`)
    const res = await agent.app.bsky.feed.getFeed({ feed: feeds.good!, limit: 3 })
    assert.deepEqual(res.data.feed.map((f) => f.post.uri), [posts.a1, posts.b1, posts.a2])
    assert.equal(res.data.feed[0]!.post.viewer?.like, veraLikesAlice)
    const next = await agent.app.bsky.feed.getFeed({ feed: feeds.good!, limit: 3, cursor: res.data.cursor })
    assert.deepEqual(next.data.feed.map((f) => f.post.uri), [posts.b2])
  })
})
