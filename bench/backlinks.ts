/**
 * What backlinks cost and how fast they answer (issue 17), on a generated mix of records written
 * through Magpie's own write path (validation, transforms, `linksTo`):
 *
 *   1. the same records into two prefixes, one as Magpie writes them and one with `linksTo`
 *      left out, each bulk-written and force-merged: the extra bytes per record on disk and the
 *      extra bulk time (the links live in the records' own documents: no extra document, no
 *      extra request);
 *   2. getBacklinks / getBacklinkCounts through the data plane for a popular subject and a cold
 *      one, and searchRecords, p50/p99 over repeated calls.
 *
 *   OPENSEARCH_URL=http://127.0.0.1:9260 node --import tsx bench/backlinks.ts [--records N] [--popular N] [--keep]
 *
 * Prints one JSON line per figure. Deletes its prefixes at the end (`--keep`: not the one with links, to look into).
 */
import { parseArgs } from 'node:util'
import { CID } from 'multiformats/cid'
import type { Client } from '@opensearch-project/opensearch'
import { createDataPlane } from '#/dataplane/index.js'
import { familyForCollection } from '#/indexing/families.js'
import { isSkipped, recordWrite } from '#/ingest/commit-ops.js'
import { extractLinks } from '#/indexing/links.js'
import type { BulkOp } from '#/indexing/bulk-writer.js'
import { createLogger } from '#/log.js'
import { createOpenSearchClient } from '#/store/client.js'
import { applySetup } from '#/store/setup.js'
import { fakeCid, plcDid, tid } from './atproto-primitives.js'

const { values: args } = parseArgs({ options: { records: { type: 'string', default: '100000' }, popular: { type: 'string', default: '20000' }, keep: { type: 'boolean', default: false } } })
const RECORDS = Number(args.records)
const POPULAR_LIKES = Number(args.popular)
const ACCOUNTS = 2000
const log = createLogger('warn')
const client = createOpenSearchClient(process.env.OPENSEARCH_URL ?? 'http://127.0.0.1:9260')
const print = (o: object) => console.log(JSON.stringify(o))

/** A deterministic PRNG, so both prefixes and every run get the same records. */
let seed = 17
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!

const dids = Array.from({ length: ACCOUNTS }, (_, i) => plcDid(`bl-${i}`))
const posts: { uri: string; cid: string }[] = []
const start = Date.UTC(2026, 5, 1) * 1000

interface Generated {
  did: string
  collection: string
  rkey: string
  record: Record<string, unknown>
}

function* generate(): Generator<Generated> {
  const popular = { uri: `at://${dids[0]}/app.bsky.feed.post/${tid(start, 0)}`, cid: fakeCid('popular').toString() }
  yield { did: dids[0]!, collection: 'app.bsky.feed.post', rkey: popular.uri.split('/').pop()!, record: { $type: 'app.bsky.feed.post', text: 'the popular one', createdAt: new Date(start / 1000).toISOString() } }
  posts.push(popular)
  for (let i = 1; i < RECORDS; i++) {
    const did = pick(dids)
    const micros = start + i * 1000
    const rkey = tid(micros, i % 1024)
    const createdAt = new Date(micros / 1000).toISOString()
    const r = rand()
    if (i <= POPULAR_LIKES) {
      yield { did, collection: 'app.bsky.feed.like', rkey, record: { $type: 'app.bsky.feed.like', subject: popular, createdAt } }
    } else if (r < 0.3) {
      const record: Record<string, unknown> = { $type: 'app.bsky.feed.post', text: `post number ${i} about birds and rivers`, createdAt, langs: ['en'] }
      if (rand() < 0.3 && posts.length) {
        const parent = pick(posts)
        record.reply = { root: parent, parent }
      }
      if (rand() < 0.1) record.facets = [{ index: { byteStart: 0, byteEnd: 4 }, features: [{ $type: 'app.bsky.richtext.facet#mention', did: pick(dids) }] }]
      if (rand() < 0.1) record.embed = { $type: 'app.bsky.embed.external', external: { uri: `https://news.example/${i % 500}`, title: 't', description: 'd' } }
      const uri = `at://${did}/app.bsky.feed.post/${rkey}`
      posts.push({ uri, cid: fakeCid(uri).toString() })
      yield { did, collection: 'app.bsky.feed.post', rkey, record }
    } else if (r < 0.75) {
      yield { did, collection: 'app.bsky.feed.like', rkey, record: { $type: 'app.bsky.feed.like', subject: pick(posts), createdAt } }
    } else if (r < 0.9) {
      yield { did, collection: 'app.bsky.graph.follow', rkey, record: { $type: 'app.bsky.graph.follow', subject: pick(dids), createdAt } }
    } else if (r < 0.95) {
      yield { did, collection: 'sh.tangled.feed.star', rkey, record: { $type: 'sh.tangled.feed.star', subject: `at://${pick(dids)}/sh.tangled.repo/${tid(start, i % 97)}`, createdAt } }
    } else {
      yield { did, collection: 'com.whtwnd.blog.entry', rkey, record: { $type: 'com.whtwnd.blog.entry', title: `Entry ${i}`, content: `notes on walking ${i % 7 === 0 ? 'okapi ' : ''}by the river`, createdAt } }
    }
  }
}

/** Every record as Magpie writes it; `stripLinks` leaves `linksTo` out (the comparison's baseline). */
function opsFor(prefix: string, stripLinks: boolean): BulkOp[] {
  seed = 17
  posts.length = 0
  const ops: BulkOp[] = []
  const indexedAt = new Date().toISOString()
  for (const g of generate()) {
    const cid = CID.parse(fakeCid(`${g.did}/${g.rkey}`).toString()).toString()
    const op = recordWrite(prefix, familyForCollection(g.collection), { ...g, cid }, 1, indexedAt)
    if (isSkipped(op)) throw new Error(`${op.uri}: ${op.detail}`)
    if (stripLinks && op.body) {
      const doc = JSON.parse(op.body)
      delete doc.linksTo
      op.body = JSON.stringify(doc)
    }
    ops.push(op)
  }
  return ops
}

async function write(client: Client, ops: BulkOp[]): Promise<number> {
  const began = performance.now()
  for (let i = 0; i < ops.length; i += 2000) {
    const lines = ops.slice(i, i + 2000).flatMap((op) => [JSON.stringify(op.action), op.body!])
    const res = await client.bulk({ body: `${lines.join('\n')}\n` as any })
    if ((res.body as { errors: boolean }).errors) throw new Error('bulk item errors')
  }
  return performance.now() - began
}

async function storeBytes(prefix: string): Promise<number> {
  await client.indices.refresh({ index: `${prefix}*` })
  await client.indices.forcemerge({ index: `${prefix}*`, max_num_segments: 1 }, { requestTimeout: 600_000 })
  // A merge can outlive its request on a busy node: wait until every shard is one segment.
  for (let i = 0; i < 120; i++) {
    const segments = await client.cat.segments({ index: `${prefix}*`, format: 'json' })
    const perShard = new Map<string, number>()
    for (const s of segments.body as { index: string; shard: string }[]) perShard.set(`${s.index}/${s.shard}`, (perShard.get(`${s.index}/${s.shard}`) ?? 0) + 1)
    if ([...perShard.values()].every((n) => n <= 1)) break
    await new Promise((resolve) => setTimeout(resolve, 1000))
  }
  const stats = await client.indices.stats({ index: `${prefix}*`, metric: 'store' })
  return (stats.body as any)._all.primaries.store.size_in_bytes
}

async function timed(n: number, ask: () => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  const times: number[] = []
  for (let i = 0; i < n; i++) {
    const began = performance.now()
    await ask()
    times.push(performance.now() - began)
  }
  times.sort((a, b) => a - b)
  const at = (q: number) => Number(times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(2))
  return { p50: at(0.5), p99: at(0.99) }
}

const stamp = Date.now().toString(36)
const withLinks = `blbench-${stamp}-l-`
const without = `blbench-${stamp}-n-`
try {
  for (const prefix of [withLinks, without]) await applySetup(client, prefix, log)
  // The CPU the links add to the write path: extraction alone, over the same records.
  seed = 17
  posts.length = 0
  const records = [...generate()].map((g) => g.record)
  const began = performance.now()
  let links = 0
  for (const record of records) links += extractLinks(record).links.length
  print({ figure: 'extract-cpu', records: records.length, links, microsPerRecord: Number((((performance.now() - began) * 1000) / records.length).toFixed(2)) })
  const linkedOps = opsFor(withLinks, false)
  const plainOps = opsFor(without, true)
  const linked = linkedOps.filter((op) => op.body?.includes('"linksTo"')).length
  const bodyBytes = (ops: BulkOp[]) => ops.reduce((n, op) => n + (op.body?.length ?? 0), 0)
  // Alternate the order so that neither side always meets a warmer node.
  const msPlain = await write(client, plainOps)
  const msLinked = await write(client, linkedOps)
  const [bytesLinked, bytesPlain] = [await storeBytes(withLinks), await storeBytes(without)]
  print({
    figure: 'write-cost',
    records: RECORDS,
    recordsWithLinks: linked,
    documentsPerRecord: 1,
    bulkBodyBytesPerRecord: { withLinks: bodyBytes(linkedOps) / RECORDS, without: bodyBytes(plainOps) / RECORDS },
    diskBytesPerRecord: { withLinks: bytesLinked / RECORDS, without: bytesPlain / RECORDS, extra: (bytesLinked - bytesPlain) / RECORDS },
    bulkMs: { withLinks: Math.round(msLinked), without: Math.round(msPlain), extraPercent: Number((((msLinked - msPlain) / msPlain) * 100).toFixed(1)) },
  })

  const dp = createDataPlane({ client, prefix: withLinks, cacheTtlMs: 0 })
  const popular = posts[0]!.uri
  const cold = posts[posts.length - 1]!.uri
  const counts = await dp.getBacklinkCounts(popular)
  print({ figure: 'popular-subject', records: counts.records, accounts: counts.accounts })
  for (const [name, subject] of [['popular', popular], ['cold', cold]] as const) {
    print({ figure: `getBacklinks ${name}`, ...(await timed(200, () => dp.getBacklinks(subject, {}, { limit: 50 }))) })
    print({ figure: `getBacklinks ${name} (collection+path)`, ...(await timed(200, () => dp.getBacklinks(subject, { collection: 'app.bsky.feed.like', path: '.subject.uri' }, { limit: 50 }))) })
    print({ figure: `getBacklinkCounts ${name}`, ...(await timed(100, () => dp.getBacklinkCounts(subject))) })
  }
  print({ figure: 'searchRecords', ...(await timed(200, () => dp.searchRecords({ text: [{ kind: 'word', text: 'okapi', negated: false }], limit: 25, facetSize: 20 }))) })
} finally {
  if (args.keep) print({ kept: withLinks, popular: posts[0]?.uri })
  for (const prefix of args.keep ? [without] : [withLinks, without]) {
    await client.indices.delete({ index: `${prefix}*`, expand_wildcards: 'all' }, { ignore: [404] })
    await client.indices.deleteIndexTemplate({ name: `${prefix}*` }, { ignore: [404] })
  }
  await client.close()
}
