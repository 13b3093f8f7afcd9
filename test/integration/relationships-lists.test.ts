/**
 * Blocks through lists between a viewer and the accounts a page shows (dataplane/relationships.ts)
 * on a real OpenSearch node: the viewer's own block lists that hold an account
 * (`blockingByList`), and block lists of an account that hold the viewer (`blockedByList`),
 * deleted list blocks left out.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { TID } from '@atproto/common-web'
import type { Client } from '@opensearch-project/opensearch'
import { getRelationships } from '#/dataplane/relationships.js'
import { Searcher } from '#/dataplane/opensearch-reader.js'
import { familyForCollection } from '#/indexing/families.js'
import { recordDeleteOp, recordWriteOp } from '#/indexing/operations.js'
import { createLogger } from '#/log.js'
import { applySetup } from '#/store/setup.js'
import { dropPrefix, testClient, uniquePrefix } from '../helpers/opensearch.js'

const LIST = 'app.bsky.graph.list'
const LISTITEM = 'app.bsky.graph.listitem'
const LISTBLOCK = 'app.bsky.graph.listblock'
const CID = 'bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm'
const did = (name: string) => `did:plc:rellists${name.padEnd(16, '0')}`
const noFollows = { between: async () => ({ following: new Map<string, string>(), followedBy: new Map<string, string>() }) }

describe('blocks through lists, both ways', () => {
  let client: Client
  let prefix: string
  let search: Searcher
  let seq = 0
  const viewer = did('viewer')
  const [t1, t2, t3, t4] = ['t1', 't2', 't3', 't4'].map(did) as [string, string, string, string]
  const listUri = (owner: string, name: string) => `at://${owner}/${LIST}/${name}`
  // Lists holding the viewer: t1's and an outsider's. t2 subscribes to a list without the viewer.
  const onViewer = [listUri(t1, 'trolls'), listUri(did('outsider'), 'spam')]
  const withoutViewer = listUri(did('outsider'), 'other')
  const viewersList = listUri(viewer, 'mine')
  let t4Listblock = ''

  async function write(collection: string, author: string, record: Record<string, unknown>, remove = false): Promise<string> {
    const rkey = TID.fromTime(Date.now() * 1000 + seq++, 1).toString()
    const family = familyForCollection(collection)
    const input = { did: author, collection, rkey, cid: CID, indexedAt: new Date().toISOString(), record: { $type: collection, createdAt: new Date().toISOString(), ...record } }
    const ops = [recordWriteOp(prefix, family, input, 1), ...(remove ? [recordDeleteOp(prefix, family, input, 2)] : [])]
    const body = ops.flatMap((op) => [JSON.stringify(op.action), op.body]).join('\n') + '\n'
    const res = await client.bulk({ body, refresh: true } as any)
    assert.equal((res.body as any).errors, false)
    return `at://${author}/${collection}/${rkey}`
  }

  before(async () => {
    client = testClient()
    prefix = uniquePrefix('rellists')
    await applySetup(client, prefix, createLogger('warn'))
    search = new Searcher(client, prefix)
    for (const list of onViewer) await write(LISTITEM, list.split('/')[2]!, { subject: viewer, list })
    await write(LISTITEM, did('outsider'), { subject: t3, list: withoutViewer })
    // t1 blocks the viewer through its own list; t2 subscribes to a list the viewer is not on;
    // t4 subscribed to one holding the viewer, then took it back.
    await write(LISTBLOCK, t1, { subject: onViewer[0] })
    await write(LISTBLOCK, t2, { subject: withoutViewer })
    t4Listblock = await write(LISTBLOCK, t4, { subject: onViewer[1] }, true)
    // The viewer blocks t3 through its own list.
    await write(LISTITEM, viewer, { subject: t3, list: viewersList })
    await write(LISTBLOCK, viewer, { subject: viewersList })
  })

  after(async () => {
    await dropPrefix(client, prefix)
    await client.close()
  })

  test('both ways', async () => {
    const rel = await getRelationships(search, noFollows, viewer, [t1, t2, t3, t4])
    assert.deepEqual(rel.get(t1), { blockedByList: onViewer[0] }, 't1 blocks the viewer through its list')
    assert.deepEqual(rel.get(t2), {}, 't2 subscribes to a list without the viewer')
    assert.deepEqual(rel.get(t3), { blockingByList: viewersList }, "t3 is on the viewer's block list")
    assert.deepEqual(rel.get(t4), {}, `t4's list block ${t4Listblock} was deleted`)
  })
})
