/**
 * backlinks.ts on fresh prefixes of its own: a generated mix of records written through Magpie's
 * own write path (validation, transforms, `linksTo`), the same records into two prefixes, one as
 * Magpie writes them and one with `linksTo` and `linkPlaces` left out, each bulk-written and force-merged. The
 * difference is what the links cost: bytes per record on disk and bulk time (the links live in
 * the records' own documents: no extra document, no extra request). Then getBacklinks /
 * getBacklinkCounts and searchRecords on the prefix with links, at this small scale.
 */
import { CID } from 'multiformats/cid'
import type { Client } from '@opensearch-project/opensearch'
import { createDataPlane } from '#/dataplane/index.js'
import { familyForCollection } from '#/indexing/families.js'
import { isSkipped, recordWrite } from '#/ingest/commit-ops.js'
import { extractLinks } from '#/indexing/links.js'
import type { BulkOp } from '#/indexing/bulk-writer.js'
import type { Logger } from '#/log.js'
import { applySetup } from '#/store/setup.js'
import { fakeCid, plcDid, tid } from './atproto-primitives.js'
import { timeCalls } from './call-timer.js'

const ACCOUNTS = 2000
type Emit = (row: Record<string, unknown>) => void

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

function* generate(records: number, popularLikes: number): Generator<Generated> {
  const popular = { uri: `at://${dids[0]}/app.bsky.feed.post/${tid(start, 0)}`, cid: fakeCid('popular').toString() }
  yield { did: dids[0]!, collection: 'app.bsky.feed.post', rkey: popular.uri.split('/').pop()!, record: { $type: 'app.bsky.feed.post', text: 'the popular one', createdAt: new Date(start / 1000).toISOString() } }
  posts.push(popular)
  for (let i = 1; i < records; i++) {
    const did = pick(dids)
    const micros = start + i * 1000
    const rkey = tid(micros, i % 1024)
    const createdAt = new Date(micros / 1000).toISOString()
    const r = rand()
    if (i <= popularLikes) {
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

function regenerate(records: number, popularLikes: number): Generated[] {
  seed = 17
  posts.length = 0
  return [...generate(records, popularLikes)]
}

/** Every record as Magpie writes it; `stripLinks` leaves `linksTo` and `linkPlaces` out (the comparison's baseline). */
function opsFor(prefix: string, generated: Generated[], stripLinks: boolean): BulkOp[] {
  const ops: BulkOp[] = []
  const indexedAt = new Date().toISOString()
  for (const g of generated) {
    const cid = CID.parse(fakeCid(`${g.did}/${g.rkey}`).toString()).toString()
    const op = recordWrite(prefix, familyForCollection(g.collection), { ...g, cid }, 1, indexedAt)
    if (isSkipped(op)) throw new Error(`${op.uri}: ${op.detail}`)
    if (stripLinks && op.body) {
      const doc = JSON.parse(op.body)
      delete doc.linksTo
      delete doc.linkPlaces
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

async function storeBytes(client: Client, prefix: string): Promise<number> {
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

export interface FreshPrefixes {
  withLinks: string
  without: string
  /** The post the popular likes like, and the newest post (linked by nothing or little). */
  popular: string
  cold: string
}

/** The write-cost comparison. Leaves both prefixes in place (machine-stats.ts's `dropBenchPrefix` drops them). */
export async function measureWriteCost(client: Client, log: Logger, emit: Emit, opts: { records: number; popularLikes: number }): Promise<FreshPrefixes> {
  const stamp = Date.now().toString(36)
  const prefixes = { withLinks: `blbench-${stamp}-l-`, without: `blbench-${stamp}-n-` }
  for (const prefix of Object.values(prefixes)) await applySetup(client, prefix, log)
  // The CPU the links add to the write path: extraction alone, over the same records.
  const records = regenerate(opts.records, opts.popularLikes)
  const began = performance.now()
  let links = 0
  for (const g of records) links += extractLinks(g.record).links.length
  const extractMicros = Number((((performance.now() - began) * 1000) / records.length).toFixed(2))
  emit({ figure: 'extract-cpu', records: records.length, links, microsPerRecord: extractMicros })
  const linkedOps = opsFor(prefixes.withLinks, records, false)
  const plainOps = opsFor(prefixes.without, records, true)
  const linked = linkedOps.filter((op) => op.body?.includes('"linksTo"')).length
  const bodyBytes = (ops: BulkOp[]) => ops.reduce((n, op) => n + (op.body?.length ?? 0), 0) / records.length
  // Alternate the order so that neither side always meets a warmer node.
  const msPlain = await write(client, plainOps)
  const msLinked = await write(client, linkedOps)
  const [bytesLinked, bytesPlain] = [await storeBytes(client, prefixes.withLinks), await storeBytes(client, prefixes.without)]
  const disk = { withLinks: bytesLinked / records.length, without: bytesPlain / records.length, extra: (bytesLinked - bytesPlain) / records.length }
  const bulk = { withLinks: Math.round(msLinked), without: Math.round(msPlain), extraPercent: Number((((msLinked - msPlain) / msPlain) * 100).toFixed(1)) }
  emit({
    figure: 'write-cost',
    records: records.length,
    recordsWithLinks: linked,
    documentsPerRecord: 1,
    bulkBodyBytesPerRecord: { withLinks: bodyBytes(linkedOps), without: bodyBytes(plainOps) },
    diskBytesPerRecord: disk,
    bulkMs: bulk,
  })
  const r1 = (x: number) => x.toFixed(1)
  process.stderr.write(
    `\nWhat the links cost (${records.length.toLocaleString('en')} records, ${linked.toLocaleString('en')} with links; targets ≤ 20 B/record, ≤ 10 % ingest):\n` +
      `  disk, force-merged   ${r1(disk.withLinks)} B/record with links, ${r1(disk.without)} without: +${r1(disk.extra)} B/record\n` +
      `  bulk body            ${r1(bodyBytes(linkedOps))} B/record with links, ${r1(bodyBytes(plainOps))} without\n` +
      `  bulk time            ${bulk.withLinks} ms with links, ${bulk.without} ms without: ${bulk.extraPercent >= 0 ? '+' : ''}${bulk.extraPercent} %\n` +
      `  extraction CPU       ${extractMicros} µs/record\n\n`,
  )
  return { ...prefixes, popular: posts[0]!.uri, cold: posts[posts.length - 1]!.uri }
}

/** Latency on the prefix with links, at the comparison's small scale. */
export async function measureFreshLatency(client: Client, emit: Emit, fresh: FreshPrefixes): Promise<void> {
  const dp = createDataPlane({ client, prefix: fresh.withLinks, cacheTtlMs: 0 })
  const counts = await dp.getBacklinkCounts(fresh.popular)
  emit({ figure: 'popular-subject', records: counts.records, accounts: counts.accounts })
  for (const [name, subject] of [['popular', fresh.popular], ['cold', fresh.cold]] as const) {
    emit({ figure: `getBacklinks ${name}`, ...(await timeCalls({ n: 200 }, () => dp.getBacklinks(subject, {}, { limit: 50 }))) })
    emit({ figure: `getBacklinks ${name} (collection+path)`, ...(await timeCalls({ n: 200 }, () => dp.getBacklinks(subject, { collection: 'app.bsky.feed.like', path: '.subject.uri' }, { limit: 50 }))) })
    emit({ figure: `getBacklinkCounts ${name}`, ...(await timeCalls({ n: 100 }, () => dp.getBacklinkCounts(subject))) })
  }
  emit({ figure: 'searchRecords', ...(await timeCalls({ n: 200 }, () => dp.searchRecords({ text: [{ kind: 'word', text: 'okapi', negated: false }], limit: 25, facetSize: 20 }))) })
}
