import { AtUri } from '@atproto/syntax'
import { LRUCache } from 'lru-cache'
import { familyForCollection } from '#/indexing/families.js'
import { routeIndexForRecord } from '#/indexing/route.js'
import { normalizeDatetime } from '#/indexing/transforms/base.js'
import type { Hit, Searcher } from '#/dataplane/search.js'

/** A record as stored: the exact lexicon JSON plus what Magpie knows about it. */
export interface StoredRecord<R = Record<string, unknown>> {
  uri: string
  /** The author. */
  did: string
  cid: string
  record: R
  /** When Magpie first saw this version. */
  indexedAt: string
  /** The record's own `createdAt`, when it is a real date (normalized ISO 8601). */
  createdAt?: string
  /** The earlier of createdAt and indexedAt: what feeds sort by and views show as the record's time. */
  sortedAt: string
}

/**
 * Records by AT URI, read in real time from the index the URI routes to (the same derivation
 * the writer uses), so a record written a moment ago is found and a deleted one is not.
 *
 * Hits already read are kept (RecordCache) and served again only after a real-time `_mget` of
 * their versions, without `_source`, says they are unchanged: that check finds each document
 * by its id alone, while reading the source decompresses a `best_compression` block per
 * document — about 4–10× the cost for the posts and profiles every page shows again and again.
 */
export async function getRecords(search: Searcher, uris: Iterable<string>): Promise<Map<string, StoredRecord>> {
  const docs: { index: string; id: string }[] = []
  const seen = new Set<string>()
  for (const uri of uris) {
    if (seen.has(uri)) continue
    seen.add(uri)
    const index = indexForUri(search.prefix, uri)
    if (index) docs.push({ index, id: uri })
  }
  const cache = recordCacheOf(search)
  const held = docs.filter((d) => cache.has(cacheKey(d)))
  const [fetched, versions] = await Promise.all([
    search.getByIds(docs.filter((d) => !cache.has(cacheKey(d)))),
    getVersions(search, held),
  ])
  const hits = new Map<string, Hit>()
  const stale: { index: string; id: string }[] = []
  for (const doc of held) {
    const version = versions.get(doc.id)
    if (!version) continue
    const cached = cache.get(cacheKey(doc))
    if (cached && cached.version === version) hits.set(doc.id, cached.hit)
    else stale.push(doc)
  }
  for (const [id, hit] of [...fetched, ...(await search.getByIds(stale))]) {
    hits.set(id, hit)
    const version = versionOf(hit)
    const key = cacheKey({ index: indexForUri(search.prefix, id)!, id })
    // Frozen: a cached hit is shared by every later request, so nothing may change it in place.
    if (version) cache.set(key, { version, hit: deepFreeze(hit) }, { size: key.length + JSON.stringify(hit._source ?? null).length })
  }
  const records = new Map<string, StoredRecord>()
  for (const [uri, hit] of hits) {
    const record = storedRecordOf(hit)
    if (record) records.set(uri, record)
  }
  return records
}

/** A hit as read, with the version it was read at (index, sequence number, primary term, external version). */
interface Held {
  version: string
  hit: Hit
}

type RecordCache = LRUCache<string, Held>

/** Bytes of hits kept per data plane (each process has one): the pages' posts and profiles, and more. */
const RECORD_CACHE_BYTES = 256 * 1024 * 1024

const caches = new WeakMap<Searcher, RecordCache>()

function recordCacheOf(search: Searcher): RecordCache {
  let cache = caches.get(search)
  if (!cache) caches.set(search, (cache = new LRUCache<string, Held>({ maxSize: RECORD_CACHE_BYTES })))
  return cache
}

const cacheKey = (d: { index: string; id: string }) => `${d.index}\u0000${d.id}`

/** A document version: a write anywhere in its index changes the sequence number; a recreated index, the rest. */
function versionOf(doc: { _index?: string; _seq_no?: number; _primary_term?: number; _version?: number }): string | undefined {
  return doc._seq_no === undefined ? undefined : `${doc._index}:${doc._seq_no}:${doc._primary_term}:${doc._version}`
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) deepFreeze(child)
  }
  return value
}

/** The current version of each document that exists (real time, no `_source`; in the wave's one `_mget`). */
async function getVersions(search: Searcher, docs: { index: string; id: string }[]): Promise<Map<string, string>> {
  const found = await search.getByIds(docs.map((d) => ({ ...d, versionOnly: true })))
  const out = new Map<string, string>()
  for (const [id, doc] of found) {
    const version = versionOf(doc as Parameters<typeof versionOf>[0])
    if (version) out.set(id, version)
  }
  return out
}

/** A search hit of a record family as a StoredRecord; undefined for tombstones. */
export function storedRecordOf(hit: Hit): StoredRecord | undefined {
  const source = hit._source
  if (!source || source.tomb || typeof source.record !== 'object' || source.record === null) return undefined
  const indexedAt = typeof source.indexedAt === 'string' ? source.indexedAt : new Date(0).toISOString()
  const createdAt = normalizeDatetime(source.record.createdAt)
  return {
    uri: hit._id,
    did: source.did,
    cid: source.cid,
    record: source.record,
    indexedAt,
    createdAt,
    // Mirrors the indexed sortAt (excluded from _source): the claimed time unless it is later than when we saw it.
    sortedAt: createdAt !== undefined && createdAt < indexedAt ? createdAt : indexedAt,
  }
}

function indexForUri(prefix: string, uri: string): string | undefined {
  let parsed: AtUri
  try {
    parsed = new AtUri(uri)
  } catch {
    return undefined
  }
  if (!parsed.host.startsWith('did:') || !parsed.collection || !parsed.rkey) return undefined
  return routeIndexForRecord(prefix, familyForCollection(parsed.collection), parsed.rkey)
}
