/**
 * What app-surface-latency.ts asks about, found in a read corpus (read-corpus.ts): the accounts
 * whose add-to-list and add-to-starter-pack dialogs have something in them, words that starter
 * pack names hold, accounts a viewer may subscribe to, and a standard.site article for the
 * link-card method (the corpus has none, so two records are written and removed afterwards).
 */
import type { Client } from '@opensearch-project/opensearch'
import { familyForCollection } from '#/indexing/families.js'
import { recordWriteOp } from '#/indexing/operations.js'
import { toRecordJson } from '#/indexing/record-json.js'
import { recordId } from '#/indexing/route.js'
import { tid } from './atproto-primitives.js'
import { withHandles } from './app-mix-people.js'
import { CORPUS_END_MS, cidFor } from './read-corpus-records.js'

// Derived fields (listUri, subjectDid, name) are searchable but not kept in `_source`: values are read from `record`.
const LIVE = { bool: { must_not: [{ term: { tomb: true } }] } }

export interface Owner {
  did: string
  handle: string
  /** Lists or starter packs the account owns. */
  owns: number
  /** An account on one of them (the dialog shows it as a member). */
  member: string
}

async function search(client: Client, index: string, body: Record<string, unknown>): Promise<any> {
  return (await client.search({ index, body } as any)).body
}

/** The account owning the most of `family`'s records (lists, starter packs). */
async function biggestOwner(client: Client, prefix: string, family: 'lists' | 'starterpacks'): Promise<{ did: string; owns: number }> {
  const res = await search(client, `${prefix}${family}`, { size: 0, query: LIVE, aggs: { owners: { terms: { field: 'did', size: 1 } } } })
  const top = res.aggregations.owners.buckets[0] as { key: string; doc_count: number } | undefined
  if (!top) throw new Error(`the corpus under ${prefix} has no ${family}`)
  return { did: top.key, owns: top.doc_count }
}

/** A member of the newest of `lists` that has one. */
async function memberOf(client: Client, prefix: string, lists: string[]): Promise<string> {
  const res = await search(client, `${prefix}listitems`, {
    size: 1,
    query: { bool: { filter: [{ terms: { listUri: lists } }], must_not: [{ term: { tomb: true } }] } },
    sort: [{ sortAt: 'desc' }],
    _source: ['record.subject'],
  })
  const member = res.hits.hits[0]?._source?.record?.subject as string | undefined
  if (!member) throw new Error(`none of ${lists.length} lists has a member`)
  return member
}

/** The account with the most lists, for getListsWithMembership, and a member of one of them. */
export async function listOwner(client: Client, prefix: string): Promise<Owner> {
  const { did, owns } = await biggestOwner(client, prefix, 'lists')
  const res = await search(client, `${prefix}lists`, { size: 100, query: { bool: { filter: [{ term: { did } }], must_not: [{ term: { tomb: true } }] } }, _source: false })
  const lists = (res.hits.hits as { _id: string }[]).map((h) => h._id)
  const [who] = await withHandles(client, prefix, [did])
  return { ...who!, owns, member: await memberOf(client, prefix, lists) }
}

/** The account with the most starter packs, for getStarterPacksWithMembership, and a member of one of their lists. */
export async function starterPackOwner(client: Client, prefix: string): Promise<Owner> {
  const { did, owns } = await biggestOwner(client, prefix, 'starterpacks')
  const res = await search(client, `${prefix}starterpacks`, { size: 100, query: { bool: { filter: [{ term: { did } }], must_not: [{ term: { tomb: true } }] } }, _source: ['record.list'] })
  const lists = (res.hits.hits as { _source?: { record?: { list?: string } } }[]).flatMap((h) => h._source?.record?.list ?? [])
  const [who] = await withHandles(client, prefix, [did])
  return { ...who!, owns, member: await memberOf(client, prefix, lists) }
}

/** The `n` words (4 letters or more) most starter pack names hold, from a sample of them. */
export async function starterPackWords(client: Client, prefix: string, n: number): Promise<string[]> {
  const res = await search(client, `${prefix}starterpacks`, { size: 1000, query: LIVE, _source: ['record.name'] })
  const counts = new Map<string, number>()
  for (const hit of res.hits.hits as { _source?: { record?: { name?: string } } }[]) {
    const words = new Set((hit._source?.record?.name ?? '').toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((w) => w.length >= 4 && !/^\d+$/.test(w)))
    for (const w of words) counts.set(w, (counts.get(w) ?? 0) + 1)
  }
  const words = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, n).map(([w]) => w)
  if (words.length === 0) throw new Error(`no starter pack names under ${prefix}`)
  return words
}

/** Accounts `viewer` follows (subscribing needs a follow unless the account says otherwise), oldest follow first. */
export async function followedBy(client: Client, prefix: string, viewer: string, n: number): Promise<string[]> {
  const res = await search(client, `${prefix}follows`, {
    size: n,
    query: { bool: { filter: [{ term: { did: viewer } }], must_not: [{ term: { tomb: true } }] } },
    sort: [{ sortAt: 'asc' }],
    _source: ['record.subject'],
  })
  return [...new Set((res.hits.hits as { _source?: { record?: { subject?: string } } }[]).flatMap((h) => h._source?.record?.subject ?? []))]
}

export interface PlantedSite {
  /** The article's address, and the records naming it, as the composer would send them. */
  url: string
  uris: string[]
  remove(): Promise<void>
}

/**
 * A standard.site publication and an article in it by `author`, written as ingest writes them
 * (the generic family's single index, so nothing new is created), and deleted by `remove`.
 */
export async function plantStandardSite(client: Client, prefix: string, author: string): Promise<PlantedSite> {
  const micros = (CORPUS_END_MS - 86_400_000) * 1000
  const site = 'https://surface-bench.example/notes'
  const records = [
    { collection: 'site.standard.publication', rkey: tid(micros, 901), record: { $type: 'site.standard.publication', url: site, name: 'Bench Notes', description: 'A publication the benchmark wrote' } },
    { collection: 'site.standard.document', rkey: tid(micros + 1, 901), record: {} as Record<string, unknown> },
  ]
  const [publication, document] = records.map((r) => recordId(author, r.collection, r.rkey)) as [string, string]
  records[1]!.record = { $type: 'site.standard.document', site: publication, path: '/first', title: 'A first note', description: 'What a card shows', textContent: 'word '.repeat(600), publishedAt: new Date(micros / 1000).toISOString() }
  // The clock as external version: a later run's write replaces an earlier run's leftover.
  const ops = records.map((r) =>
    recordWriteOp(prefix, familyForCollection(r.collection), { did: author, collection: r.collection, rkey: r.rkey, cid: cidFor(recordId(author, r.collection, r.rkey)), record: toRecordJson(r.record), indexedAt: new Date(micros / 1000).toISOString() }, Date.now() * 1000),
  )
  const res = await client.bulk({ body: ops.flatMap((op) => [op.action, JSON.parse(op.body!)]), refresh: 'wait_for' } as any)
  if ((res.body as any).errors) throw new Error(`writing the standard.site records failed: ${JSON.stringify((res.body as any).items)}`)
  return {
    url: `${site}/first`,
    uris: [document, publication],
    async remove() {
      for (const op of ops) {
        const { _index, _id } = (op.action as { index: { _index: string; _id: string } }).index
        await client.delete({ index: _index, id: _id, refresh: 'wait_for' }, { ignore: [404] })
      }
    },
  }
}
