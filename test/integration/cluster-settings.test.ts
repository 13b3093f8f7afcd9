import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { createLogger } from '#/log.js'
import { applySetup } from '#/store/setup.js'
import { DEFAULT_LAYOUT } from '#/store/shard-layout.js'
import { dropPrefix, testClient, uniquePrefix } from '../helpers/opensearch.js'

// What setup gives the indices on whatever OPENSEARCH_URL is: one node in the normal suite (where
// this must stay green), the three-node cluster in cluster-node-loss.test.ts.

const client = testClient()
const prefix = uniquePrefix('layout')
const log = createLogger('warn')

after(async () => {
  await dropPrefix(client, prefix)
  await client.close()
})

async function settingsOf(index: string): Promise<Record<string, any>> {
  const res = await client.indices.getSettings({ index })
  return (res.body as any)[index].settings.index
}

test('the indices get the layout: copies by the data nodes, one shard a small family, the write wait', async () => {
  await applySetup(client, prefix, log)
  const health = (await client.cluster.health({})).body as any
  const index = `${prefix}likes-2024.03`
  await client.index({ index, id: 'at://did:plc:x/app.bsky.feed.like/3k', body: { did: 'did:plc:x' }, refresh: true })
  const likes = await settingsOf(index)
  const state = await settingsOf(`${prefix}state-all`)
  assert.equal(state.number_of_shards, '1')
  assert.equal(likes.number_of_shards, String(Math.min(health.number_of_data_nodes, 3)))
  assert.equal(likes.auto_expand_replicas, '0-1')
  assert.equal(likes.write.wait_for_active_shards, 'all')
  const mine = (await client.cluster.health({ index: `${prefix}*`, wait_for_status: 'green', timeout: '30s' })).body as any
  assert.equal(mine.status, 'green', 'every copy placed: no replica waits for a node that is not there')
  assert.equal(Number(state.number_of_replicas), health.number_of_data_nodes > 1 ? 1 : 0)
})

test('a changed layout reaches new partitions, and existing indices take the new copies and write wait', async () => {
  const changed = await applySetup(client, prefix, log, { ...DEFAULT_LAYOUT, shards: { partitioned: 2 }, waitForActiveShards: '1' })
  assert.ok(changed.templates.some((t) => t.name === `${prefix}likes` && t.action === 'updated'))
  assert.ok(changed.settingsUpdated.includes(`${prefix}likes-2024.03`))
  assert.ok(changed.settingsUpdated.includes(`${prefix}state-all`))
  const old = `${prefix}likes-2024.03`
  assert.deepEqual(changed.shardCountDiffers.filter((d) => d.index === old).map((d) => d.layout), [2])
  assert.equal((await settingsOf(old)).write.wait_for_active_shards, '1')

  const fresh = `${prefix}likes-2024.04`
  await client.index({ index: fresh, id: 'at://did:plc:x/app.bsky.feed.like/3l', body: { did: 'did:plc:x' }, refresh: true })
  assert.equal((await settingsOf(fresh)).number_of_shards, '2')

  const again = await applySetup(client, prefix, log, { ...DEFAULT_LAYOUT, shards: { partitioned: 2 }, waitForActiveShards: '1' })
  assert.ok(again.templates.every((t) => t.action === 'unchanged'), 'the same layout twice changes nothing')
  assert.deepEqual(again.settingsUpdated, [])
})
