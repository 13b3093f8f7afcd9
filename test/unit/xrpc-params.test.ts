import assert from 'node:assert/strict'
import type { Server } from 'node:http'
import { after, before, describe, test } from 'node:test'
import Koa from 'koa'
import cors from '@koa/cors'
import { z } from 'zod'
import getProfile from '#/api/app/bsky/actor/getProfile.js'
import getProfiles from '#/api/app/bsky/actor/getProfiles.js'
import { defineProcedure, defineQuery } from '#/api/xrpc/method.js'
import { decodeCursor, encodeCursor } from '#/dataplane/cursor.js'
import { param } from '#/api/xrpc/params.js'
import { serveMethods } from '../helpers/xrpc-router.js'

/**
 * Parameter validation as a caller sees it over HTTP: every bad value is a 400 InvalidRequest
 * whose message names the parameter, never a 500; good values arrive typed and defaulted.
 */

const DID = 'did:plc:ewvi7nxzyoun6zhxrhs64oiz'

const echo = defineQuery({
  nsid: 'test.magpie.echo',
  params: z.object({
    actor: param.atIdentifier(),
    did: param.did().optional(),
    uri: param.atUri().optional(),
    limit: param.limit({ maximum: 100, default: 50 }),
    cursor: param.cursor().optional(),
    reverse: param.boolean().optional(),
    sort: param.enum(['top', 'latest']).optional(),
    tags: param.array(param.string({ maxLength: 64 }), { maxLength: 3 }).optional(),
    since: param.datetime().optional(),
    lang: param.language().optional(),
  }),
  auth: 'none',
  handler: async ({ params }) => params,
})

/** A paged method: its cursor must decode to two sort values. */
const paged = defineQuery({
  nsid: 'test.magpie.paged',
  params: z.object({ cursor: param.cursor().optional() }),
  auth: 'none',
  handler: async ({ params }) => ({ after: decodeCursor(params.cursor, 2) ?? null }),
})

const explode = defineQuery({
  nsid: 'test.magpie.explode',
  params: z.object({}),
  auth: 'none',
  handler: async () => {
    throw new Error('secret connection string opensearch://admin:hunter2@10.0.0.1')
  },
})

const submit = defineProcedure({
  nsid: 'test.magpie.submit',
  params: z.object({}),
  input: z.object({ subject: z.string().min(1) }),
  auth: 'none',
  handler: async ({ input }) => ({ got: input.subject }),
})

let server: Server
let base: string

before(async () => {
  const app = new Koa()
  app.use(cors({ maxAge: 86_400 }))
  // Validation fails before any handler runs, so the read path is never reached here.
  ;({ server, base } = await serveMethods([echo, paged, explode, submit, getProfile, getProfiles], app))
})

after(() => new Promise<void>((resolve) => server.close(() => resolve())))

async function call(nsid: string, query: string, init: RequestInit = {}) {
  const res = await fetch(`${base}/xrpc/${nsid}${query ? `?${query}` : ''}`, init)
  const text = await res.text()
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined }
}

const ok = `actor=${DID}`

describe('bad parameters are 400 InvalidRequest naming the parameter', () => {
  const cases: [what: string, nsid: string, query: string, message: RegExp][] = [
    ['missing required actor', 'test.magpie.echo', '', /^Params must have the property "actor"$/],
    ['malformed actor', 'test.magpie.echo', 'actor=not%20a%20handle', /^actor must be a valid handle or DID$/],
    ['empty actor', 'test.magpie.echo', 'actor=', /^actor must be a valid handle or DID$/],
    ['malformed DID', 'test.magpie.echo', `${ok}&did=did:nope`, /^did must be a valid DID$/],
    ['DID without method', 'test.magpie.echo', `${ok}&did=did::abc`, /^did must be a valid DID$/],
    ['handle where a DID is wanted', 'test.magpie.echo', `${ok}&did=alice.test`, /^did must be a valid DID$/],
    ['malformed AT URI', 'test.magpie.echo', `${ok}&uri=https://example.com/x`, /^uri must be a valid AT URI$/],
    ['AT URI with a bad collection', 'test.magpie.echo', `${ok}&uri=at://${DID}/not_a_nsid/abc`, /^uri must be a valid AT URI$/],
    // Found by the XRPC fuzz: accepted here, then echoed into an answer the lexicon refuses.
    ['AT URI with a trailing slash', 'test.magpie.echo', `${ok}&uri=at://${DID}/`, /^uri must be a valid AT URI$/],
    ['AT URI with an empty record key', 'test.magpie.echo', `${ok}&uri=at://${DID}/app.bsky.feed.post/`, /^uri must be a valid AT URI$/],
    ['AT URI with a query', 'test.magpie.echo', `${ok}&uri=at://${DID}/app.bsky.feed.post/3k2a%3Fq%3D1`, /^uri must be a valid AT URI$/],
    ['limit not a number', 'test.magpie.echo', `${ok}&limit=ten`, /^limit must be an integer$/],
    ['limit a fraction', 'test.magpie.echo', `${ok}&limit=1.5`, /^limit must be an integer$/],
    ['limit above the maximum', 'test.magpie.echo', `${ok}&limit=101`, /^limit can not be greater than 100$/],
    ['limit below the minimum', 'test.magpie.echo', `${ok}&limit=0`, /^limit can not be less than 1$/],
    ['limit negative', 'test.magpie.echo', `${ok}&limit=-5`, /^limit can not be less than 1$/],
    ['limit absurdly large', 'test.magpie.echo', `${ok}&limit=99999999999999999999999`, /^limit can not be greater than 100$/],
    ['cursor with spaces', 'test.magpie.echo', `${ok}&cursor=a%20b`, /^cursor must be a valid cursor$/],
    ['cursor empty', 'test.magpie.echo', `${ok}&cursor=`, /^cursor must be a valid cursor$/],
    ['cursor too long', 'test.magpie.echo', `${ok}&cursor=${'x'.repeat(600)}`, /^cursor must be a valid cursor$/],
    ['cursor with control characters', 'test.magpie.echo', `${ok}&cursor=abc%00def`, /^cursor must be a valid cursor$/],
    ['cursor that is not ours', 'test.magpie.paged', 'cursor=hello', /^Malformed cursor$/],
    ['cursor with the wrong arity', 'test.magpie.paged', `cursor=${encodeCursor([1])}`, /^Malformed cursor$/],
    ['cursor with an object inside', 'test.magpie.paged', `cursor=${encodeCursor([1, { a: 1 } as never])}`, /^Malformed cursor$/],
    ['boolean not true/false', 'test.magpie.echo', `${ok}&reverse=yes`, /^reverse must be a boolean/],
    ['enum value unknown', 'test.magpie.echo', `${ok}&sort=random`, /^sort must be one of top, latest$/],
    ['too many array items', 'test.magpie.echo', `${ok}&tags=a&tags=b&tags=c&tags=d`, /^tags must not have more than 3 items$/],
    ['array item too long', 'test.magpie.echo', `${ok}&tags=ok&tags=${'y'.repeat(65)}`, /^tags\[1\] must not be longer than 64 characters$/],
    ['datetime malformed', 'test.magpie.echo', `${ok}&since=yesterday`, /^since must be a valid datetime$/],
    ['language malformed', 'test.magpie.echo', `${ok}&lang=not_a_language!`, /^lang must be a valid language code$/],
    ['getProfile without actor', 'app.bsky.actor.getProfile', '', /^Params must have the property "actor"$/],
    ['getProfile with a bad actor', 'app.bsky.actor.getProfile', 'actor=@@@', /^actor must be a valid handle or DID$/],
    ['getProfiles without actors', 'app.bsky.actor.getProfiles', '', /^Params must have the property "actors"$/],
    ['getProfiles with 26 actors', 'app.bsky.actor.getProfiles', Array.from({ length: 26 }, (_, i) => `actors=a${i}.test`).join('&'), /^actors must not have more than 25 items$/],
    ['getProfiles with one bad actor', 'app.bsky.actor.getProfiles', `actors=alice.test&actors=bad%20one`, /^actors\[1\] must be a valid handle or DID$/],
  ]
  for (const [what, nsid, query, message] of cases) {
    test(what, async () => {
      const res = await call(nsid, query)
      assert.equal(res.status, 400, JSON.stringify(res.body))
      assert.equal(res.body.error, 'InvalidRequest')
      assert.match(res.body.message, message)
    })
  }
})

describe('good parameters arrive typed', () => {
  test('defaults, integers, booleans, arrays and formats', async () => {
    const res = await call(
      'test.magpie.echo',
      `actor=Alice.Test&did=${DID}&uri=at://${DID}/app.bsky.feed.post/3k2a&limit=25&reverse=true&sort=top&tags=x&tags=y&since=2024-01-02T03:04:05.000Z&cursor=1700000000000::bafy&lang=pt-BR&unknown=ignored`,
    )
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, {
      actor: 'Alice.Test',
      did: DID,
      uri: `at://${DID}/app.bsky.feed.post/3k2a`,
      limit: 25,
      reverse: true,
      sort: 'top',
      tags: ['x', 'y'],
      since: '2024-01-02T03:04:05.000Z',
      cursor: '1700000000000::bafy',
      lang: 'pt-BR',
    })
  })

  test('a missing limit takes its default; a scalar given twice takes the first', async () => {
    const res = await call('test.magpie.echo', `actor=${DID}&actor=bob.test&limit=7&limit=8`)
    assert.equal(res.status, 200)
    assert.equal(res.body.actor, DID)
    assert.equal(res.body.limit, 7)
    const defaulted = await call('test.magpie.echo', `actor=${DID}`)
    assert.equal(defaulted.body.limit, 50)
  })

  test('a cursor round-trips its sort values', async () => {
    const after = [1700000000000, 'at://did:plc:abc/app.bsky.feed.post/3k2a']
    const res = await call('test.magpie.paged', `cursor=${encodeCursor(after)}`)
    assert.equal(res.status, 200)
    assert.deepEqual(res.body.after, after)
  })

  // Found by the XRPC fuzz (test/integration/fuzz.test.ts): these names were a 500 on every method.
  test('parameters named like an object\'s own properties are ignored like any unknown name', async () => {
    for (const extra of ['__proto__=x', '%5F%5Fproto%5F%5F=x', 'constructor=y', 'toString=1&valueOf=2', 'hasOwnProperty=1&__defineGetter__=1', '__proto__=a&__proto__=b']) {
      const res = await call('test.magpie.echo', `${ok}&${extra}`)
      assert.equal(res.status, 200, `${extra}: ${JSON.stringify(res.body)}`)
      assert.deepEqual(res.body, { actor: DID, limit: 50 })
    }
  })

  test('a single value of an array parameter is a one-item array', async () => {
    const res = await call('test.magpie.echo', `actor=${DID}&tags=solo`)
    assert.deepEqual(res.body.tags, ['solo'])
  })
})

describe('the XRPC envelope', () => {
  test('an unknown method is 501 MethodNotImplemented', async () => {
    const res = await call('app.bsky.nothing.here', '')
    assert.equal(res.status, 501)
    assert.equal(res.body.error, 'MethodNotImplemented')
  })

  test('a query called with POST is 400', async () => {
    const res = await call('test.magpie.echo', ok, { method: 'POST' })
    assert.equal(res.status, 400)
    assert.equal(res.body.error, 'InvalidRequest')
    assert.match(res.body.message, /expected GET/)
  })

  test('an internal failure is a 500 that leaks nothing', async () => {
    const res = await call('test.magpie.explode', '')
    assert.equal(res.status, 500)
    assert.deepEqual(res.body, { error: 'InternalServerError', message: 'Internal Server Error' })
  })

  test('procedures validate their JSON body', async () => {
    const post = (body: string, type = 'application/json') =>
      call('test.magpie.submit', '', { method: 'POST', headers: { 'content-type': type }, body })
    assert.deepEqual((await post('{"subject":"x"}')).body, { got: 'x' })
    const notJson = await post('{nope')
    assert.equal(notJson.status, 400)
    assert.match(notJson.body.message, /not valid JSON/)
    const wrongShape = await post('{"subject":42}')
    assert.equal(wrongShape.status, 400)
    assert.match(wrongShape.body.message, /^Input\/subject /)
    const wrongType = await post('subject=x', 'application/x-www-form-urlencoded')
    assert.equal(wrongType.status, 400)
    const tooBig = await post(JSON.stringify({ subject: 'x'.repeat(2 * 1024 * 1024) }))
    assert.equal(tooBig.status, 413)
  })

  test('CORS: any origin, preflights cached for a day', async () => {
    const res = await call('test.magpie.echo', ok, { headers: { origin: 'https://example.com' } })
    assert.equal(res.headers.get('access-control-allow-origin'), '*')
    const pre = await fetch(`${base}/xrpc/test.magpie.echo`, {
      method: 'OPTIONS',
      headers: { origin: 'https://example.com', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization,atproto-accept-labelers' },
    })
    assert.equal(pre.status, 204)
    assert.equal(pre.headers.get('access-control-max-age'), '86400')
    assert.equal(pre.headers.get('access-control-allow-headers'), 'authorization,atproto-accept-labelers')
  })

  test('responses are JSON', async () => {
    const res = await fetch(`${base}/xrpc/test.magpie.echo?${ok}`)
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/)
  })
})
