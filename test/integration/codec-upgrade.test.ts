// An upgrade that changes a family's stored-field codec on a real node: the codec is static, so
// setup names the indices that keep the old one, and `magpie reindex` moves them onto the new.
import assert from 'node:assert/strict'
import path from 'node:path'
import { after, test } from 'node:test'
import { createLogger } from '#/log.js'
import { reindexFamily } from '#/store/reindex.js'
import { applySetup, readWithPrefix, TEMPLATE_DIR } from '#/store/setup.js'
import { dropPrefix, testClient, uniquePrefix } from '../helpers/opensearch.js'

const client = testClient()
const prefix = uniquePrefix('codec')
const log = createLogger('silent')

after(async () => {
  await dropPrefix(client, prefix)
  await client.close()
})

async function codecOf(alias: string): Promise<string> {
  const res = await client.indices.getSettings({ index: alias, name: 'index.codec', include_defaults: true } as any)
  const [found] = Object.values(res.body as Record<string, { settings?: any; defaults?: any }>)
  return String(found?.settings?.index?.codec ?? found?.defaults?.index?.codec)
}

test('actors written under an older template with DEFLATE are named by setup and moved to LZ4 by reindex', async () => {
  // The deployment as an earlier Magpie left it: actors' template one version back, best_compression.
  const current = await readWithPrefix(path.join(TEMPLATE_DIR, 'actors.json'), prefix)
  assert.equal(current.template.settings.index.codec, 'default', 'actors are read by id on every page: LZ4')
  const older = structuredClone(current)
  older.version = current.version - 1
  older.template.settings.index.codec = 'best_compression'
  await client.indices.putIndexTemplate({ name: `${prefix}actors`, body: older })
  const did = 'did:plc:codecupgradexxxxxxxxxxxx'
  await client.index({ index: `${prefix}actors-all`, id: did, body: { did, handle: 'codec.test' }, refresh: true })
  assert.equal(await codecOf(`${prefix}actors`), 'best_compression')

  const report = await applySetup(client, prefix, log)
  assert.deepEqual(report.codecDiffers, [{ index: `${prefix}actors-all`, has: 'best_compression', template: 'default' }])

  await reindexFamily(client, prefix, 'actors', log)
  assert.equal(await codecOf(`${prefix}actors`), 'default')
  const got = await client.get({ index: `${prefix}actors`, id: did })
  assert.equal((got.body as any)._source.handle, 'codec.test', 'the document moved with its index')
})
