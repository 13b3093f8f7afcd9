import assert from 'node:assert/strict'
import http, { type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { XRPCError } from '@atproto/xrpc-server'
import { createServiceSigner } from '#/auth/service-signing.js'
import { createRemoteFeeds, generatorError } from '#/feeds/remote.js'
import { createSafeFetch } from '#/identity/safe-fetch.js'
import { createLogger } from '#/log.js'
import { listenOn } from '#/server/listen.js'

/** The client for feed generators elsewhere: address policy, and how a generator's errors are passed on. */

const FEED = 'at://did:plc:alice/app.bsky.feed.generator/cats'
const POST = 'at://did:plc:alice/app.bsky.feed.post/3kaaaaaaaaaa2'
let generator: Server
let endpoint: string
let requests = 0
/** Another origin (another port) a generator may redirect to; what it was sent. */
let elsewhere: Server
let elsewhereUrl: string
const elsewhereAuth: (string | undefined)[] = []

before(async () => {
  elsewhere = http.createServer((req, res) => {
    elsewhereAuth.push(req.headers.authorization)
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ feed: [{ post: POST }] }))
  })
  await listenOn(elsewhere, 0, '127.0.0.1')
  elsewhereUrl = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`
  generator = http.createServer((req, res) => {
    requests++
    if (req.url?.includes('moved')) {
      res.writeHead(302, { location: `${elsewhereUrl}${req.url}` })
      return void res.end()
    }
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ feed: [{ post: POST }] }))
  })
  await listenOn(generator, 0, '127.0.0.1')
  endpoint = `http://127.0.0.1:${(generator.address() as AddressInfo).port}`
})

after(async () => {
  for (const server of [generator, elsewhere]) await new Promise<void>((resolve) => server.close(() => resolve()))
})

async function remoteFeeds(allowPrivateNetwork: boolean) {
  const { signer } = await createServiceSigner('did:web:magpie.test', undefined)
  const identity = {
    resolveDid: async (did: string) => ({ did, didDoc: { id: did, service: [{ id: '#bsky_fg', type: 'BskyFeedGenerator', serviceEndpoint: endpoint }] } as any }),
  }
  return createRemoteFeeds({ identity, fetch: createSafeFetch({ allowPrivateNetwork }), signer, timeoutMs: 1_000, log: createLogger('silent') })
}

describe('remote feed generators', () => {
  test('a generator whose DID document points at a private address is not called', async () => {
    const feeds = await remoteFeeds(false)
    const before = requests
    await assert.rejects(feeds.getSkeleton({ feed: FEED, serviceDid: 'did:web:gen.example.com', limit: 10, headers: {} }), (err: unknown) => {
      assert.ok(err instanceof XRPCError)
      assert.equal(err.statusCode, 502)
      assert.deepEqual(err.payload, { error: 'UpstreamFailure', message: 'feed unavailable' })
      return true
    })
    assert.equal(requests, before)
  })

  test('where private addresses are allowed (tests, the demo network), it is', async () => {
    const feeds = await remoteFeeds(true)
    const skeleton = await feeds.getSkeleton({ feed: FEED, serviceDid: 'did:web:gen.example.com', limit: 10, headers: {} })
    assert.deepEqual(skeleton.items, [{ post: POST }])
  })

  test('the token minted for a generator does not follow its redirect to another origin', async () => {
    const feeds = await remoteFeeds(true)
    const feed = `${FEED}-moved`
    const passthrough = await feeds.getSkeleton({ feed, serviceDid: 'did:web:gen.example.com', limit: 10, headers: {}, passthroughAuthorization: 'Bearer viewer-token' })
    assert.deepEqual(passthrough.items, [{ post: POST }])
    await feeds.getSkeleton({ feed, serviceDid: 'did:web:gen.example.com', limit: 10, headers: {} })
    assert.deepEqual(elsewhereAuth, [undefined, undefined], 'neither the viewer’s token nor Magpie’s own went to the other origin')
  })

  const cases: [string, number, unknown, number, { error: string; message: string }][] = [
    ['an XRPC error is passed on', 400, { error: 'UnknownFeed', message: 'no such feed' }, 400, { error: 'UnknownFeed', message: 'no such feed' }],
    ['a 500 becomes a 502', 500, { error: 'InternalServerError', message: 'oops' }, 502, { error: 'InternalServerError', message: 'oops' }],
    ['an error without a body is named by its status', 503, undefined, 503, { error: 'UpstreamFailure', message: 'feed generator answered 503' }],
    ['a client error without a body', 404, 'nope', 404, { error: 'InvalidRequest', message: 'feed generator answered 404' }],
    ['an error without a message gets one', 401, { error: 'AuthRequired' }, 401, { error: 'AuthRequired', message: 'feed generator answered 401' }],
    ['a status that is no error', 302, undefined, 502, { error: 'UpstreamFailure', message: 'feed generator answered 302' }],
  ]
  for (const [name, status, body, downstream, payload] of cases) {
    test(`generator errors: ${name}`, () => {
      const err = generatorError(status, body)
      assert.equal(err.statusCode, downstream)
      assert.deepEqual(err.payload, payload)
    })
  }
})
