import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ConfigError, loadConfig, shardLayout } from '#/config/env.js'
import { DEFAULT_LAYOUT, familyLayout } from '#/store/shard-layout.js'
import { parseFamilyCounts } from '#/config/shard-settings.js'

test('one node: one shard a family, replicas that expand to 0 (green), writes wait for the one copy', () => {
  for (const [family, partitioned] of [['posts', true], ['actors', false]] as const) {
    assert.deepEqual(familyLayout(DEFAULT_LAYOUT, family, partitioned, 1), {
      number_of_shards: 1,
      auto_expand_replicas: '0-1',
      'write.wait_for_active_shards': 'all',
    })
  }
})

test('a cluster: partitions of the big families spread over the data nodes (at most 3 shards), singletons keep one', () => {
  assert.equal(familyLayout(DEFAULT_LAYOUT, 'likes', true, 2).number_of_shards, 2)
  assert.equal(familyLayout(DEFAULT_LAYOUT, 'likes', true, 3).number_of_shards, 3)
  assert.equal(familyLayout(DEFAULT_LAYOUT, 'likes', true, 12).number_of_shards, 3)
  assert.equal(familyLayout(DEFAULT_LAYOUT, 'state', false, 12).number_of_shards, 1)
})

test('configured counts: a family first, then its group, then the default for all', () => {
  const config = shardLayout(loadConfig({ INDEX_SHARDS: '2,likes=6,single=1', INDEX_REPLICAS: 'posts=2,1', INDEX_WAIT_FOR_ACTIVE_SHARDS: '1' }))
  assert.equal(familyLayout(config, 'likes', true, 3).number_of_shards, 6)
  assert.equal(familyLayout(config, 'posts', true, 3).number_of_shards, 2)
  assert.equal(familyLayout(config, 'actors', false, 3).number_of_shards, 1)
  assert.deepEqual(familyLayout(config, 'posts', true, 3), {
    number_of_shards: 2,
    number_of_replicas: 2,
    auto_expand_replicas: 'false',
    'write.wait_for_active_shards': '1',
  })
  assert.equal(familyLayout(config, 'follows', true, 3).number_of_replicas, 1)
})

test('bad counts are refused at start with the variable named', () => {
  assert.throws(() => parseFamilyCounts('posts=0', 1), /1\.\.1024/)
  assert.throws(() => parseFamilyCounts('posts:3', 1), /neither N nor family=N/)
  assert.throws(() => loadConfig({ INDEX_SHARDS: 'lots' }), (err: Error) => err instanceof ConfigError && /INDEX_SHARDS/.test(err.message))
  assert.throws(() => loadConfig({ INDEX_WAIT_FOR_ACTIVE_SHARDS: 'most' }), /INDEX_WAIT_FOR_ACTIVE_SHARDS/)
})

test('OPENSEARCH_URL may name every node of a cluster', () => {
  assert.equal(loadConfig({ OPENSEARCH_URL: 'http://a:9200, http://b:9200' }).OPENSEARCH_URL, 'http://a:9200,http://b:9200')
  assert.throws(() => loadConfig({ OPENSEARCH_URL: 'http://a:9200,ftp://b' }), /OPENSEARCH_URL/)
})
