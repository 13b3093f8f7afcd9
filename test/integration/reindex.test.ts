// `magpie reindex` on a real node: a family moves onto a changed template while writes go on;
// nothing written before, during or after the copy is lost, reads work at every step, and the
// new mapping is in effect.
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { createDataPlane } from '#/dataplane/index.js'
import { BulkWriter } from '#/indexing/bulk-writer.js'
import { actorIdentityOp, recordDeleteOp, recordWriteOp } from '#/indexing/operations.js'
import { profileFamily } from '#/indexing/transforms/profile.js'
import { createLogger } from '#/log.js'
import { reindexFamily } from '#/store/reindex.js'
import { applySetup, readWithPrefix, TEMPLATE_DIR } from '#/store/setup.js'
import { dropPrefix, testClient, uniquePrefix } from '../helpers/opensearch.js'

const client = testClient()
const prefix = uniquePrefix('reindex')
const log = createLogger('silent')

after(async () => {
  await dropPrefix(client, prefix)
  await client.close()
})

const COLLECTION = 'app.bsky.actor.profile'
const did = (n: string) => `did:plc:${n.padEnd(24, 'x')}`
const profileOp = (who: string, version: number, record: Record<string, unknown>) =>
  recordWriteOp(prefix, profileFamily, { did: did(who), collection: COLLECTION, rkey: 'self', cid: `bafy${who}${version}`, record: { $type: COLLECTION, ...record }, indexedAt: new Date().toISOString() }, version)

async function names(field: string, text: string): Promise<string[]> {
  await client.indices.refresh({ index: `${prefix}profiles` })
  const res = await client.search({ index: `${prefix}profiles`, body: { query: { match: { [field]: text } }, _source: ['did'] } })
  return ((res.body as any).hits.hits as any[]).map((h) => h._source.did).sort()
}

test('profiles move onto a new analyzer with writes during the copy; actors keep serving', async () => {
  await applySetup(client, prefix, log)
  const writer = new BulkWriter({ client, log, flushBytes: 1e6, flushMs: 20, maxInFlight: 1 })
  writer.add(profileOp('alice', 10, { displayName: 'Alice', description: 'she runs marathons' }))
  writer.add(profileOp('bob', 10, { displayName: 'Bob Builder', description: 'builds things' }))
  writer.add(profileOp('carol', 10, { displayName: 'Carol' }))
  writer.add(recordDeleteOp(prefix, profileFamily, { did: did('carol'), collection: COLLECTION, rkey: 'self' }, 11))
  writer.add(actorIdentityOp(prefix, did('alice'), 1, { handle: 'alice.test', handleValid: true }))
  await writer.flush()

  // The change to apply: an English analyzer on descriptions, which the old index does not have.
  const template = await readWithPrefix(`${TEMPLATE_DIR}/profiles.json`, prefix)
  template.version += 1
  template.template.mappings.properties.description.fields.english = { type: 'text', analyzer: 'english' }
  await client.indices.putIndexTemplate({ name: `${prefix}profiles`, body: template })
  assert.deepEqual(await names('description.english', 'running'), [])

  let blockedWrite: Promise<void> | undefined
  const report = await reindexFamily(client, prefix, 'profiles', log, {
    batchSize: 2,
    async onStep(step) {
      // Reads are served from the old index all along.
      assert.deepEqual(await names('displayName.words', 'bob'), [did('bob')], `reads after ${step}`)
      if (step === 'copied') {
        // After pass 1: a new account and an update of one already copied.
        writer.add(profileOp('dan', 10, { displayName: 'Dan' }))
        writer.add(profileOp('alice', 12, { displayName: 'Alice Again', description: 'she runs marathons' }))
        await writer.flush()
      }
      if (step === 'blocked') {
        // Held by the write block, retried by the writer, landing in the new index after the swap.
        writer.add(profileOp('erin', 10, { displayName: 'Erin', description: 'running late' }))
        blockedWrite = writer.flush()
      }
    },
  })
  await blockedWrite
  assert.deepEqual(
    report.indices.map((i) => [i.from, i.name, i.to, i.copied, i.copiedLate]),
    [[`${prefix}profiles-all`, `${prefix}profiles-all`, `${prefix}profiles-all-v2`, 3, 2]],
  )

  const aliases = (await client.indices.getAlias({ index: `${prefix}profiles-*` })).body as Record<string, { aliases: object }>
  assert.deepEqual(Object.keys(aliases), [`${prefix}profiles-all-v2`])
  assert.deepEqual(Object.keys(aliases[`${prefix}profiles-all-v2`]!.aliases).sort(), [`${prefix}profiles`, `${prefix}profiles-all`])

  // Everything is there, fields outside _source derived again, the new analyzer in effect.
  const dp = createDataPlane({ client, prefix, cacheTtlMs: 0 })
  const records = await dp.getRecords(['alice', 'bob', 'carol', 'dan', 'erin'].map((n) => `at://${did(n)}/${COLLECTION}/self`))
  assert.deepEqual([...records.keys()].map((uri) => uri.split('/')[2]).sort(), [did('alice'), did('bob'), did('dan'), did('erin')])
  assert.equal(records.get(`at://${did('alice')}/${COLLECTION}/self`)!.record.displayName, 'Alice Again')
  assert.deepEqual(await names('displayName.words', 'again'), [did('alice')])
  assert.deepEqual(await names('description.english', 'running'), [did('alice'), did('erin')])

  // Versions came along: a late older revision is refused, a newer one lands through the old name.
  writer.add(profileOp('alice', 11, { displayName: 'Stale' }))
  writer.add(profileOp('bob', 13, { displayName: 'Robert' }))
  await writer.flush()
  assert.equal(writer.stats.stale, 1)
  assert.deepEqual(await names('displayName.words', 'robert'), [did('bob')])
  assert.deepEqual(await names('displayName.words', 'stale'), [])

  // A second reindex moves the name on again; actors (partial updates, no versions) too.
  const again = await reindexFamily(client, prefix, 'profiles', log)
  assert.deepEqual(again.indices.map((i) => [i.from, i.to]), [[`${prefix}profiles-all-v2`, `${prefix}profiles-all-v3`]])
  const actors = await reindexFamily(client, prefix, 'actors', log)
  assert.equal(actors.indices[0]!.to, `${prefix}actors-all-v2`)
  writer.add(actorIdentityOp(prefix, did('bob'), 2, { handle: 'bob.test', handleValid: true }))
  await writer.close()
  assert.equal(writer.stats.rejected, 0)
  const found = await dp.getActors([did('alice'), did('bob')])
  assert.deepEqual([...found.values()].map((a) => a.handle).sort(), ['alice.test', 'bob.test'])
  await client.indices.refresh({ index: `${prefix}actors` })
  assert.deepEqual((await dp.searchActors({ term: 'alic', viewer: null, limit: 5, offset: 0, description: false })).dids, [did('alice')])
  const dry = await reindexFamily(client, prefix, 'actors', log, { dryRun: true })
  assert.deepEqual(dry.indices.map((i) => [i.from, i.to, i.docs]), [[`${prefix}actors-all-v2`, `${prefix}actors-all-v3`, 2]])
})
