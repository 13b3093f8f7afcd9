import { AtUri } from '@atproto/syntax'
import { familyForCollection } from '#/indexing/families.js'
import { routeIndexForRecord } from '#/indexing/route.js'
import { normalizeDatetime } from '#/indexing/transforms/base.js'
import type { Hit, Searcher } from '#/dataplane/opensearch-reader.js'

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
 * the writer uses), so a record written a moment ago is found and a deleted one is not. Posts
 * and profiles are read again by page after page: they come through the version-checked cache.
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
  const records = new Map<string, StoredRecord>()
  for (const [uri, hit] of await search.getCached(docs)) {
    const record = storedRecordOf(hit)
    if (record) records.set(uri, record)
  }
  return records
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
