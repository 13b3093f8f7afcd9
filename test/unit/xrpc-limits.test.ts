import assert from 'node:assert/strict'
import type { Server } from 'node:http'
import { after, test } from 'node:test'
import { z } from 'zod'
import type { ServiceAuthVerifier } from '#/auth/service-auth.js'
import { loadConfig } from '#/config/env.js'
import { clientIp } from '#/server/limits/client-ip.js'
import { createGate } from '#/server/limits/gate.js'
import { createRateLimiter, type RateLimitSettings } from '#/server/limits/rate-limit.js'
import { defineQuery, type XrpcMethod } from '#/api/xrpc/method.js'
import type { XrpcLimits } from '#/server/xrpc/server.js'
import { serveMethods } from '../helpers/xrpc-router.js'

/**
 * The XRPC router's load bounds, served alone on loopback: token buckets per address and per
 * account (429 with RateLimit-* headers, then served again once the bucket refills), and the
 * concurrency gate (503 with Retry-After when its queue is full or a wait too long, never a 500).
 */

const read = defineQuery({ nsid: 'test.magpie.read', params: z.object({}), auth: 'optional', handler: async () => ({ ok: true }) })
const search = defineQuery({ nsid: 'test.magpie.search', params: z.object({}), auth: 'optional', expensive: true, handler: async () => ({ ok: true }) })

/** Any bearer token is the account it names (`Bearer did:plc:x`): the buckets, not verification, are under test. */
const tokenIsDid: ServiceAuthVerifier = {
  verify: async (jwt) => ({ iss: jwt, viewer: jwt, aud: 'did:web:magpie.test' }),
}

const servers: Server[] = []
after(() =>
  Promise.all(
    servers.map((s) => {
      const closed = new Promise<void>((resolve) => s.close(() => resolve()))
      // One test leaves a request that never ends.
      s.closeAllConnections()
      return closed
    }),
  ),
)

async function serve(limits: XrpcLimits, methods: readonly XrpcMethod[] = [read, search]): Promise<string> {
  const { server, base } = await serveMethods(methods, undefined, { auth: tokenIsDid, limits })
  servers.push(server)
  return base
}

const off: RateLimitSettings = { anonPerMinute: 0, anonExpensivePerMinute: 0, accountPerMinute: 0, accountExpensivePerMinute: 0, limitLoopback: true }

async function get(base: string, nsid: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${base}/xrpc/${nsid}`, { headers })
  return { status: res.status, body: await res.json(), headers: res.headers }
}

test('past its bucket an address gets 429 RateLimitExceeded with RateLimit-* and Retry-After, and is served again once it refills', async () => {
  // 3 points refilled over 1.5 s: one back every 0.5 s.
  const base = await serve({ rateLimiter: createRateLimiter({ ...off, anonPerMinute: 3, windowMs: 1500 }) })
  const answers = []
  for (let i = 0; i < 4; i++) answers.push(await get(base, 'test.magpie.read'))
  assert.deepEqual(answers.map((a) => a.status), [200, 200, 200, 429])
  // Successful answers say where the caller stands too.
  assert.equal(answers[0]!.headers.get('ratelimit-limit'), '3')
  assert.equal(answers[0]!.headers.get('ratelimit-remaining'), '2')
  assert.equal(answers[2]!.headers.get('ratelimit-remaining'), '0')
  const refused = answers[3]!
  assert.equal(refused.body.error, 'RateLimitExceeded')
  assert.match(refused.body.message, /rate limit/i)
  assert.equal(refused.headers.get('ratelimit-limit'), '3')
  assert.equal(refused.headers.get('ratelimit-remaining'), '0')
  assert.equal(refused.headers.get('ratelimit-policy'), '3;w=2')
  const reset = Number(refused.headers.get('ratelimit-reset'))
  assert.ok(reset >= Date.now() / 1000 && reset <= Date.now() / 1000 + 3, `reset is epoch seconds soon: ${reset}`)
  assert.equal(refused.headers.get('retry-after'), '1')
  await new Promise((resolve) => setTimeout(resolve, 600))
  assert.equal((await get(base, 'test.magpie.read')).status, 200)
})

test('with the default settings an anonymous caller may search far less than an account, and exhausting its bucket leaves accounts served', async () => {
  const config = loadConfig({})
  const base = await serve({
    rateLimiter: createRateLimiter({
      anonPerMinute: config.RATE_LIMIT_ANON_PER_MIN,
      anonExpensivePerMinute: config.RATE_LIMIT_ANON_EXPENSIVE_PER_MIN,
      accountPerMinute: config.RATE_LIMIT_ACCOUNT_PER_MIN,
      accountExpensivePerMinute: config.RATE_LIMIT_ACCOUNT_EXPENSIVE_PER_MIN,
      limitLoopback: true,
    }),
  })
  const anonLimit = Number((await get(base, 'test.magpie.search')).headers.get('ratelimit-limit'))
  const alice = { authorization: 'Bearer did:plc:alice' }
  const accountLimit = Number((await get(base, 'test.magpie.search', alice)).headers.get('ratelimit-limit'))
  assert.ok(anonLimit > 0 && anonLimit < accountLimit, `anonymous ${anonLimit} < account ${accountLimit}`)
  // Searching is limited harder than reading for the same caller.
  assert.ok(Number((await get(base, 'test.magpie.read')).headers.get('ratelimit-limit')) > anonLimit)

  const statuses = []
  for (let i = 1; i < anonLimit + 1; i++) statuses.push((await get(base, 'test.magpie.search')).status)
  assert.deepEqual(statuses, [...Array(anonLimit - 1).fill(200), 429])
  // The account has a bucket of its own, not the address's.
  assert.equal((await get(base, 'test.magpie.search', alice)).status, 200)
})

test('loopback callers are not limited unless asked, and 0 turns a bucket off', async () => {
  const tight = { ...off, anonPerMinute: 1, anonExpensivePerMinute: 1 }
  const loopbackFree = await serve({ rateLimiter: createRateLimiter({ ...tight, limitLoopback: false }) })
  for (let i = 0; i < 5; i++) assert.equal((await get(loopbackFree, 'test.magpie.search')).status, 200)
  const allOff = await serve({ rateLimiter: createRateLimiter(off) })
  for (let i = 0; i < 5; i++) {
    const answer = await get(allOff, 'test.magpie.search', { authorization: 'Bearer did:plc:bob' })
    assert.equal(answer.status, 200)
    assert.equal(answer.headers.get('ratelimit-limit'), null)
  }
})

test('X-Forwarded-For names the client only when the peer is a trusted proxy', async () => {
  const trusted = new Set(['10.0.0.1', '10.0.0.2'])
  assert.equal(clientIp('203.0.113.7', '198.51.100.1', trusted), '203.0.113.7', 'anyone else cannot pick their address')
  assert.equal(clientIp('::ffff:10.0.0.1', '198.51.100.1, 192.0.2.9', trusted), '192.0.2.9', 'the nearest hop the proxy saw')
  assert.equal(clientIp('10.0.0.1', '192.0.2.9, 10.0.0.2', trusted), '192.0.2.9', 'past a chain of trusted proxies')
  assert.equal(clientIp('10.0.0.1', 'not-an-address', trusted), '10.0.0.1')

  // Through the router: behind a trusted loopback proxy, each forwarded address has its own bucket.
  const base = await serve({ rateLimiter: createRateLimiter({ ...off, anonPerMinute: 1 }), trustedProxies: new Set(['127.0.0.1']) })
  const from = (ip: string) => get(base, 'test.magpie.read', { 'x-forwarded-for': ip })
  assert.equal((await from('192.0.2.1')).status, 200)
  assert.equal((await from('192.0.2.1')).status, 429)
  assert.equal((await from('192.0.2.2')).status, 200)
})

test('a full queue is a 503 ServiceUnavailable with Retry-After, not a 500; so is a wait past the longest', async () => {
  let release!: () => void
  const held = new Promise<void>((resolve) => (release = resolve))
  const slow = defineQuery({ nsid: 'test.magpie.slow', params: z.object({}), auth: 'none', handler: async () => (await held, { ok: true }) })
  const base = await serve({ gate: createGate({ maxInFlight: 1, maxQueued: 1, maxWaitMs: 10_000 }) }, [slow])
  const first = get(base, 'test.magpie.slow')
  await new Promise((resolve) => setTimeout(resolve, 50))
  const queued = get(base, 'test.magpie.slow')
  await new Promise((resolve) => setTimeout(resolve, 50))
  const overflow = await get(base, 'test.magpie.slow')
  assert.equal(overflow.status, 503)
  assert.equal(overflow.body.error, 'ServiceUnavailable')
  assert.match(overflow.body.message, /overloaded/)
  assert.equal(overflow.headers.get('retry-after'), '1')
  release()
  assert.deepEqual([(await first).status, (await queued).status], [200, 200])

  const never = defineQuery({ nsid: 'test.magpie.never', params: z.object({}), auth: 'none', handler: () => new Promise(() => {}) })
  const impatient = await serve({ gate: createGate({ maxInFlight: 1, maxQueued: 10, maxWaitMs: 100 }) }, [never, read])
  void fetch(`${impatient}/xrpc/test.magpie.never`).catch(() => {})
  await new Promise((resolve) => setTimeout(resolve, 50))
  const waited = await get(impatient, 'test.magpie.read')
  assert.equal(waited.status, 503)
  assert.equal(waited.headers.get('retry-after'), '1')
})

test('a request waiting outside (on a feed generator) lets others in, and comes back ahead of new arrivals', async () => {
  const gate = createGate({ maxInFlight: 1, maxQueued: 5, maxWaitMs: 5_000 })
  const order: string[] = []
  let answer!: () => void
  const generator = new Promise<void>((resolve) => (answer = resolve))
  const feed = gate.run(async () => {
    await gate.outside(() => generator)
    order.push('feed')
  })
  await new Promise((resolve) => setImmediate(resolve))
  await gate.run(async () => order.push('other'))
  assert.equal(gate.inFlight, 0)
  answer()
  await feed
  assert.deepEqual(order, ['other', 'feed'])
})
