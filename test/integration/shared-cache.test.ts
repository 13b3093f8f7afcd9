import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { cacheLookups } from '#/metrics.js'
import { createSharedCache } from '#/store/shared-cache.js'
import { growth, samples } from '../helpers/metrics.js'
import { freePort, startRedis } from '../helpers/redis.js'

/**
 * With REDIS_URL, what one Magpie process learns (a DID's signing key) another finds without
 * resolving it again; without Redis, or when Redis goes away, the cache still answers locally.
 * Runs a real redis-server (scripts/test installs Debian's package when it is missing).
 */

let redis: Awaited<ReturnType<typeof startRedis>>
let url: string

before(async () => {
  redis = await startRedis()
  url = redis.url
})

after(() => redis.stop())

test('a value set by one process is found by another through Redis, within its namespace', async () => {
  const a = createSharedCache({ redisUrl: url, namespace: 'magpie-a-signing-key:' })
  const b = createSharedCache({ redisUrl: url, namespace: 'magpie-a-signing-key:' })
  const other = createSharedCache({ redisUrl: url, namespace: 'magpie-b-signing-key:' })
  for (const cache of [a, b, other]) assert.equal(await cache.ready(), true)
  await a.set('did:plc:alice', 'did:key:zQ3sAlice', 60)
  assert.equal(await b.get('did:plc:alice'), 'did:key:zQ3sAlice')
  assert.equal(await other.get('did:plc:alice'), undefined, 'another INDEX_PREFIX does not see it')
  await b.delete('did:plc:alice')
  const c = createSharedCache({ redisUrl: url, namespace: 'magpie-a-signing-key:' })
  assert.equal(await c.ready(), true)
  assert.equal(await c.get('did:plc:alice'), undefined)
  for (const cache of [a, b, c, other]) await cache.close()
})

test('lookups are counted per tier: this process first, Redis only for what it lacks', async () => {
  const a = createSharedCache({ redisUrl: url, namespace: 'magpie-m-signing-key:', metric: 'signing_keys' })
  const b = createSharedCache({ redisUrl: url, namespace: 'magpie-m-signing-key:', metric: 'signing_keys' })
  try {
    for (const cache of [a, b]) assert.equal(await cache.ready(), true)
    await a.set('did:plc:carol', 'did:key:zQ3sCarol', 60)
    let before = await samples(cacheLookups)
    assert.equal(await b.get('did:plc:carol'), 'did:key:zQ3sCarol')
    assert.equal(await b.get('did:plc:nobody'), undefined)
    assert.deepEqual(await growth(cacheLookups, before), {
      'cache=signing_keys,result=miss': 2,
      'cache=signing_keys_shared,result=hit': 1,
      'cache=signing_keys_shared,result=miss': 1,
    })
    before = await samples(cacheLookups)
    assert.equal(await b.get('did:plc:carol'), 'did:key:zQ3sCarol')
    assert.deepEqual(await growth(cacheLookups, before), { 'cache=signing_keys,result=hit': 1 }, 'now held here: Redis not asked')
  } finally {
    for (const cache of [a, b]) await cache.close()
  }
})

test('without Redis the cache is local; with Redis unreachable it degrades to local, quickly', async () => {
  const local = createSharedCache({ namespace: 'x:' })
  await local.set('k', 'v', 60)
  assert.equal(await local.get('k'), 'v')

  const dead = createSharedCache({ redisUrl: `redis://127.0.0.1:${await freePort()}`, namespace: 'x:' })
  assert.equal(await dead.ready(300), false)
  const started = Date.now()
  await dead.set('k', 'v', 60)
  assert.equal(await dead.get('k'), 'v')
  assert.equal(await dead.get('missing'), undefined)
  assert.ok(Date.now() - started < 3000, 'no long waits on a dead Redis')
  await dead.close()
})

test('a value copied from Redis into the local cache expires when it does in Redis', async () => {
  const writer = createSharedCache({ redisUrl: url, namespace: 'magpie-ttl-signing-key:' })
  const reader = createSharedCache({ redisUrl: url, namespace: 'magpie-ttl-signing-key:' })
  try {
    for (const cache of [writer, reader]) assert.equal(await cache.ready(), true)
    await writer.set('did:plc:rotated', 'did:key:zQ3sOld', 1)
    // The reader learns it from Redis, and so keeps a local copy…
    assert.equal(await reader.get('did:plc:rotated'), 'did:key:zQ3sOld')
    await new Promise((r) => setTimeout(r, 1_300))
    // …which must not outlive the shared entry: a stale key would be trusted for ever.
    assert.equal(await reader.get('did:plc:rotated'), undefined)
  } finally {
    for (const cache of [writer, reader]) await cache.close()
  }
})
