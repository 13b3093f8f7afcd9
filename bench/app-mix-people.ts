/**
 * Who the app mix's simulated people are and what they read, chosen from a read corpus
 * (read-corpus.ts): shared by app-mix.ts and soak.ts.
 */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import type { Client } from '@opensearch-project/opensearch'
import { singleIndex } from '#/indexing/route.js'
import type { MixMaterial } from './app-mix-kinds.js'
import type { PlantedManifest } from './read-corpus-planted.js'
import { CORPUS_END_MS, readCorpusDir } from './read-corpus-records.js'

/** The command-line options that name a read corpus (with this script's defaults). */
export function corpusOptions<R extends string, A extends string, S extends string>(d: { records: R; accounts: A; seed: S }) {
  return {
    manifest: { type: 'string' },
    records: { type: 'string', default: d.records },
    accounts: { type: 'string', default: d.accounts },
    seed: { type: 'string', default: d.seed },
  } as const
}

/** The loaded read corpus named by `--manifest`, or by its `--records/--accounts/--seed`. */
export function readCorpusManifest(opts: { manifest?: string; records: number; accounts: number; seed: number }): { prefix: string; planted: PlantedManifest } {
  const file = opts.manifest ?? path.join(readCorpusDir({ records: opts.records, accounts: opts.accounts, seed: opts.seed }), 'manifest.json')
  if (!existsSync(file)) throw new Error(`no corpus manifest at ${file}: load one with bench/read-corpus.ts (same options) or pass --manifest`)
  return JSON.parse(readFileSync(file, 'utf8')) as { prefix: string; planted: PlantedManifest }
}

/**
 * The planted viewers and author, the popular accounts, then accounts that follow others (so
 * that their timelines have something in them), in a fixed order so that runs compare.
 */
export async function choosePeople(client: Client, prefix: string, planted: PlantedManifest, n: number): Promise<{ did: string; handle: string }[]> {
  const dids = [planted.timelineViewer.did, planted.notificationViewer.did, planted.prolificAuthor.did, ...planted.popularAccounts]
  const res = await client.search({ index: `${prefix}follows`, body: { size: 0, aggs: { followers: { terms: { field: 'did', size: n * 3 } } } } as any })
  const followers = ((res.body as any).aggregations.followers.buckets as { key: string }[]).map((b) => b.key)
  const hash = (s: string) => [...s].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) | 0, 7)
  for (const did of followers.sort((a, b) => hash(a) - hash(b))) {
    if (dids.length >= n) break
    if (!dids.includes(did)) dids.push(did)
  }
  return withHandles(client, prefix, dids.slice(0, n))
}

/** The accounts with their handles from the actor documents (a made-up one where a document has none). */
export async function withHandles(client: Client, prefix: string, dids: string[]): Promise<{ did: string; handle: string }[]> {
  const found = await client.mget({ index: `${prefix}actors`, body: { ids: dids }, _source_includes: ['handle'] } as any)
  const handles = new Map(((found.body as any).docs as { _id: string; _source?: { handle?: string } }[]).map((d) => [d._id, d._source?.handle]))
  return dids.map((did) => ({ did, handle: handles.get(did) ?? `${did.slice(8)}.appmix.test` }))
}

/**
 * People who use the app have opened their notifications before: each marked them seen a day
 * before the corpus ends (the same for every run), so unread counts count since then, as the
 * app's are. Written as updateSeen writes it, overwriting what an earlier run left.
 */
export async function markNotificationsSeen(client: Client, prefix: string, dids: string[]): Promise<void> {
  const seenAt = new Date(CORPUS_END_MS - 24 * 3600_000).toISOString()
  const index = singleIndex(prefix, 'notif-state')
  const body = dids.flatMap((did) => [{ index: { _index: index, _id: did } }, { did, seenAt, priority: false, updatedAt: seenAt }])
  const res = await client.bulk({ body, refresh: 'wait_for' } as any)
  if ((res.body as any).errors) throw new Error(`marking notifications seen failed: ${JSON.stringify((res.body as any).items?.[0])}`)
}

/** Posts to open and words to search for, from a fixed random sample of the corpus's posts. */
export async function mixMaterial(client: Client, prefix: string, planted: PlantedManifest, opts: { seed: number; feedUri: string }): Promise<MixMaterial> {
  const res = await client.search({
    index: `${prefix}posts`,
    body: { size: 300, query: { function_score: { query: { match_all: {} }, random_score: { seed: opts.seed, field: '_seq_no' } } }, _source: ['record.text'] },
  } as any)
  const hits = (res.body as any).hits.hits as { _id: string; _source?: { record?: { text?: string } } }[]
  const words = new Set<string>()
  for (const h of hits) {
    for (const w of (h._source?.record?.text ?? '').toLowerCase().split(/[^\p{L}\p{N}]+/u)) if (w.length >= 4 && !/^\d+$/.test(w)) words.add(w)
  }
  return {
    feedUri: opts.feedUri,
    threadRoot: planted.thread.root,
    prolificAuthor: planted.prolificAuthor.did,
    popularAccounts: planted.popularAccounts,
    samplePosts: hits.map((h) => h._id),
    words: [...words].sort().slice(0, 500),
  }
}
