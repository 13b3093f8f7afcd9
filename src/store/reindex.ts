import path from 'node:path'
import type { Client } from '@opensearch-project/opensearch'
import { familyForCollection, genericFamily, namedFamilies } from '#/indexing/families.js'
import { recordDocument } from '#/indexing/record-document.js'
import { readAlias } from '#/indexing/route.js'
import type { Logger } from '#/log.js'
import { readWithPrefix, TEMPLATE_DIR } from '#/store/setup.js'

/**
 * `magpie reindex`: move every index of a family onto the family's current template (new
 * analyzers, changed field types) from what is already stored — no re-crawl.
 *
 * Writers address an index by a name computed from the record (route.ts), e.g. `posts-2024.05`.
 * That name stays; what it names moves. Per index:
 *   1. create `<name>-v<k>` (the template applies) and take it out of the read alias, so reads
 *      keep seeing the old index only;
 *   2. copy everything (pass 1) while ingest goes on writing to the old index;
 *   3. block writes on the old index — the bulk writer retries blocked writes — and copy what
 *      changed since pass 1 began (pass 2, by sequence number);
 *   4. in one `_aliases` call: delete the old index, give its name to the new one as a write
 *      alias, and put the new one behind the read alias. Blocked writes then land in the new
 *      index through the name; readers see the old index until that call and the new one after.
 * Record documents keep their repo revision as external version, so a copy never overwrites a
 * newer write. Fields kept out of `_source` (text, names…) are derived again from the stored
 * record by the family's transform.
 */

export interface ReindexPlanItem {
  /** The concrete index holding the documents now. */
  from: string
  /** The name writers use (the concrete index itself before its first reindex). */
  name: string
  to: string
  docs: number
}

export interface ReindexReport {
  family: string
  dryRun: boolean
  indices: (ReindexPlanItem & { copied?: number; copiedLate?: number })[]
}

export interface ReindexOptions {
  dryRun?: boolean
  /** Called between steps (tests write and read there). */
  onStep?: (step: 'created' | 'copied' | 'blocked' | 'swapped', item: ReindexPlanItem) => Promise<void> | void
  batchSize?: number
}

/** Indices whose documents are deleted in place (private state): copied whole under the write block. */
const DELETED_IN_PLACE = new Set(['mutes', 'bookmarks', 'notif-state', 'activity-subscriptions', 'drafts', 'push-registrations', 'state'])

/** `base` is the template's file name (index-templates/<base>.json), which is also its index base name. */
export async function reindexFamily(client: Client, prefix: string, base: string, log: Logger, opts: ReindexOptions = {}): Promise<ReindexReport> {
  const template = await readWithPrefix(path.join(TEMPLATE_DIR, `${base}.json`), prefix)
  const indexBase: string = template._meta.index
  const alias = readAlias(prefix, indexBase)
  const report: ReindexReport = { family: indexBase, dryRun: !!opts.dryRun, indices: [] }
  const res = await client.indices.getAlias({ name: alias }, { ignore: [404] })
  const holders = res.statusCode === 404 ? {} : ((res.body ?? {}) as Record<string, unknown>)
  for (const from of Object.keys(holders).sort()) {
    const versioned = /^(.*)-v(\d+)$/.exec(from)
    // Asked of the index: answers for the read alias name only that alias.
    const own = ((await client.indices.getAlias({ index: from })).body as any)[from]?.aliases ?? {}
    const name = versioned && own[versioned[1]!] ? versioned[1]! : from
    const to = `${name}-v${name === from ? 2 : Number(versioned![2]) + 1}`
    const count = await client.count({ index: from })
    const item: ReindexPlanItem = { from, name, to, docs: (count.body as any).count }
    if (opts.dryRun) {
      report.indices.push(item)
      continue
    }
    log.info(item, 'reindexing')
    report.indices.push({ ...item, ...(await moveIndex(client, alias, indexBase, item, log, opts)) })
  }
  return report
}

async function moveIndex(client: Client, alias: string, indexBase: string, item: ReindexPlanItem, log: Logger, opts: ReindexOptions) {
  const { from, name, to } = item
  await client.indices.create({ index: to })
  // The template put the new index behind the read alias; it stays out until the swap.
  await client.indices.updateAliases({ body: { actions: [{ remove: { index: to, alias } }] } })
  await opts.onStep?.('created', item)
  const copy = copier(client, indexBase, to, opts.batchSize ?? 1000)
  let copied = 0
  let copiedLate = 0
  try {
    if (DELETED_IN_PLACE.has(indexBase)) {
      // A delete leaves no trace a second pass could find: copy once, with writes held.
      await blockWrites(client, from, true)
      await opts.onStep?.('blocked', item)
      copied = await copy(from, { match_all: {} })
    } else {
      const watermark = await lowestMaxSeqNo(client, from)
      copied = await copy(from, { match_all: {} })
      await opts.onStep?.('copied', item)
      await blockWrites(client, from, true)
      await opts.onStep?.('blocked', item)
      copiedLate = await copy(from, { range: { _seq_no: { gt: watermark } } })
    }
    await client.indices.refresh({ index: `${from},${to}` })
    const [a, b] = await Promise.all([client.count({ index: from }), client.count({ index: to })])
    if ((a.body as any).count !== (b.body as any).count) {
      throw new Error(`${to} holds ${(b.body as any).count} documents, ${from} ${(a.body as any).count}`)
    }
  } catch (err) {
    // Nothing has moved yet: leave the old index as it was.
    await blockWrites(client, from, false).catch(() => {})
    await client.indices.delete({ index: to }, { ignore: [404] })
    throw err
  }
  // One atomic change: the old index goes (with its aliases), its name and the read alias come to the new one.
  await client.indices.updateAliases({
    body: {
      actions: [
        { add: { index: to, alias } },
        { remove_index: { index: from } },
        { add: { index: to, alias: name, is_write_index: true } },
      ],
    },
  })
  log.info({ from, to, copied, copiedLate }, 'reindexed')
  await opts.onStep?.('swapped', item)
  return { copied, copiedLate }
}

function blockWrites(client: Client, index: string, on: boolean) {
  return client.indices.putSettings({ index, body: { 'index.blocks.write': on } })
}

/** The smallest of the shards' highest sequence numbers: every later write has a higher one on its shard. */
async function lowestMaxSeqNo(client: Client, index: string): Promise<number> {
  const res = await client.indices.stats({ index, level: 'shards', metric: 'docs' } as any)
  const shards = Object.values(((res.body as any).indices?.[index]?.shards ?? {}) as Record<string, any[]>).flat()
  const seqNos = shards.filter((s) => s.routing?.primary).map((s) => Number(s.seq_no?.max_seq_no ?? -1))
  return seqNos.length ? Math.min(...seqNos) : -1
}

/** Copies the documents of `from` matching `query` into `to`; answers how many were written. */
function copier(client: Client, indexBase: string, to: string, batchSize: number) {
  const recordFamily = namedFamilies.find((f) => f.index === indexBase) ?? (indexBase === genericFamily.index ? genericFamily : undefined)
  return async (from: string, query: Record<string, unknown>): Promise<number> => {
    let written = 0
    // A search sees only refreshed documents: without this, writes of the last second are missed.
    await client.indices.refresh({ index: from })
    let res = await client.search({ index: from, scroll: '2m', size: batchSize, version: true, body: { query, sort: ['_doc'] } } as any)
    try {
      for (;;) {
        const hits = (res.body as any).hits.hits as any[]
        if (hits.length === 0) break
        const body: unknown[] = []
        for (const hit of hits) {
          const doc = recordFamily ? rederive(hit) : hit._source
          const meta = recordFamily ? { _index: to, _id: hit._id, version: hit._version, version_type: 'external' } : { _index: to, _id: hit._id }
          body.push({ index: meta }, doc)
        }
        const out = await client.bulk({ body: body as any })
        for (const item of (out.body as any).items as any[]) {
          const r = item.index
          // 409: the new index already holds this revision or a newer one (pass 2 re-copies).
          if (r.status >= 300 && r.status !== 409) throw new Error(`copy of ${r._id} into ${to} failed: ${JSON.stringify(r.error)}`)
          if (r.status < 300) written++
        }
        res = await client.scroll({ scroll_id: (res.body as any)._scroll_id, scroll: '2m' } as any)
      }
    } finally {
      await client.clearScroll({ scroll_id: (res.body as any)._scroll_id } as any).catch(() => {})
    }
    return written
  }
}

/** A record document again from what `_source` kept (the record and its identity). */
export function rederive(hit: { _id: string; _source: Record<string, any> }): Record<string, unknown> {
  const source = hit._source
  if (source.tomb === true || !source.record) return source
  const m = /^at:\/\/([^/]+)\/([^/]+)\/(.+)$/.exec(hit._id)
  if (!m) return source
  const [, did, collection, rkey] = m as unknown as [string, string, string, string]
  return recordDocument(familyForCollection(collection), { did, collection, rkey, cid: source.cid, record: source.record, indexedAt: source.indexedAt }).doc
}
