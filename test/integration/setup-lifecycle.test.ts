import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { createLogger } from '#/log.js'
import { runLifecycle } from '#/store/lifecycle.js'
import { applySetup } from '#/store/setup.js'
import { dropPrefix, testClient, uniquePrefix } from '../helpers/opensearch.js'

const client = testClient()
const prefix = uniquePrefix('setup')
const log = createLogger('warn')

after(async () => {
  await dropPrefix(client, prefix)
  await client.close()
})

test('setup installs every template under the prefix, and a second run changes nothing', async () => {
  const first = await applySetup(client, prefix, log)
  assert.ok(first.templates.length >= 20)
  assert.ok(first.templates.every((t) => t.action === 'created' && t.name.startsWith(prefix)))
  const second = await applySetup(client, prefix, log)
  assert.ok(second.templates.every((t) => t.action === 'unchanged'))
  assert.ok(second.policies.every((p) => p.action === 'unchanged' || p.action === 'skipped'))

  // A partition created by its first write gets the family's mapping and the read alias.
  await client.index({ index: `${prefix}likes-2024.03`, id: 'at://did:plc:x/app.bsky.feed.like/3k', body: { did: 'did:plc:x' }, refresh: true })
  const mapping = await client.indices.getMapping({ index: `${prefix}likes-2024.03` })
  assert.equal((mapping.body as any)[`${prefix}likes-2024.03`].mappings.properties.subjectUri.type, 'keyword')
  const alias = await client.indices.getAlias({ name: `${prefix}likes` })
  assert.ok(Object.keys(alias.body as object).includes(`${prefix}likes-2024.03`))
})

/** `<prefix>posts-<yyyy.mm>` of the month `at` falls in, holding a few documents written in separate segments. */
async function partitionWithSegments(at: Date): Promise<{ index: string; segments: () => Promise<number> }> {
  const index = `${prefix}posts-${at.getUTCFullYear()}.${String(at.getUTCMonth() + 1).padStart(2, '0')}`
  for (let i = 0; i < 3; i++) {
    // Separate refreshes make separate segments.
    await client.index({ index, id: `at://did:plc:x/app.bsky.feed.post/${i}`, body: { did: 'did:plc:x' }, refresh: true })
  }
  const segments = async () => ((await client.cat.segments({ index, format: 'json' })).body as unknown[]).length
  assert.ok((await segments()) > 1)
  return { index, segments }
}

test('without the ISM plugin, Magpie runs the policy itself: a partition is aged by its month, and force-merged once', async () => {
  // Made today, as a backfill makes them, but holding January 2024: long past its 35 days.
  const old = await partitionWithSegments(new Date(Date.UTC(2024, 0, 15)))
  // This month's: still being written.
  const current = await partitionWithSegments(new Date())

  const first = await runLifecycle(client, prefix, log)
  if (first.skipped === 'ism-plugin') return // the cluster runs ISM itself (which ages by creation)
  assert.deepEqual(first.applied.filter((a) => a.index === old.index), [
    { index: old.index, state: 'hot', actions: [] },
    { index: old.index, state: 'warm', actions: ['force_merge'] },
  ])
  assert.deepEqual(first.applied.filter((a) => a.index === current.index).map((a) => a.state), ['hot'])
  await client.indices.refresh({ index: old.index })
  assert.equal(await old.segments(), 1)
  assert.ok((await current.segments()) > 1, 'the current month is left alone')

  // 70 days on, the current month has been over for at least 35 days.
  const later = Date.now() + 70 * 86_400_000
  const second = await runLifecycle(client, prefix, log, later)
  assert.deepEqual(second.applied.filter((a) => a.index === current.index), [{ index: current.index, state: 'warm', actions: ['force_merge'] }])
  assert.deepEqual(second.applied.filter((a) => a.index === old.index), [], 'each state is applied once')
})

test('an index made before a template gained fields takes them at setup, even one needing an analyzer it lacks', async () => {
  // The records index as the version 1 template made it: no links, no searchable text, no analyzers.
  const own = uniquePrefix('setup-upgrade')
  try {
    await client.indices.putIndexTemplate({
      name: `${own}records`,
      body: {
        index_patterns: [`${own}records-*`],
        version: 1,
        template: {
          aliases: { [`${own}records`]: {} },
          mappings: {
            dynamic: 'strict',
            properties: {
              did: { type: 'keyword' }, cid: { type: 'keyword' }, createdAt: { type: 'date' }, indexedAt: { type: 'date' }, sortAt: { type: 'date' },
              record: { type: 'object', enabled: false }, tomb: { type: 'boolean' }, collection: { type: 'keyword' },
            },
          },
        },
      },
    })
    await client.indices.create({ index: `${own}records-all` })
    const report = await applySetup(client, own, log)
    assert.ok(report.mappingConflicts.some((c) => c.index === `${own}records-all`), 'the analyzers need a reindex, and setup says so')
    // A record written as Magpie writes it now is accepted, and found by its link and its words.
    const doc = {
      did: 'did:plc:x', cid: 'bafy', indexedAt: '2026-01-01T00:00:00.000Z', sortAt: '2026-01-01T00:00:00.000Z', collection: 'com.example.note',
      record: {}, title: 'Zebra notes', text: 'stripes', linksTo: ['did:plc:y com.example.note .subject'],
    }
    await client.index({ index: `${own}records-all`, id: 'at://did:plc:x/com.example.note/3k', body: doc, refresh: true })
    const found = await client.search({
      index: `${own}records`,
      body: { query: { bool: { filter: [{ term: { linksTo: 'did:plc:y com.example.note .subject' } }, { match: { title: 'zebra' } }] } } },
    })
    assert.equal((found.body as any).hits.hits.length, 1)
  } finally {
    await dropPrefix(client, own)
  }
})
