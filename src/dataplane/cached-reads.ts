import { LRUCache } from 'lru-cache'
import type { IndexVersions } from '#/dataplane/index-versions.js'
import type { DocRef, Hit } from '#/dataplane/opensearch-reader.js'
import type { SharedDocs } from '#/store/shared-docs.js'
import { countCacheLookups, reportCacheSize } from '#/metrics.js'

/**
 * Documents by id (real-time, like `_mget`), served from what was read before only after a
 * real-time `_mget` of their versions, without `_source`, says they are unchanged. That check
 * finds each document by its id alone, while reading the source decompresses a stored-fields
 * block per document — about 4–10× the cost for the posts every page shows again and again
 * (`best_compression`), less for the families read by id, which use LZ4.
 *
 * Two tiers hold what was read: this process's LRU, and (with REDIS_URL) Redis, shared by every
 * API process. Neither is trusted: a document from either is served only at the version
 * OpenSearch has now, so a write or delete a moment ago is what the next read answers.
 */
export interface CachedReadsOptions {
  /** Bytes (of JSON) of documents kept in this process; 0 keeps none here. */
  localBytes?: number
  shared?: SharedDocs
  /**
   * Versions of whole indices (index-versions.ts): what was read — found or missing — at an
   * index's current version is served without a read, and only the documents of indices
   * written to since are checked one by one.
   */
  indexVersions?: IndexVersions
}

/** A hit as read, with the version it was read at. */
interface Held {
  version: string
  hit: Hit
  /** Its length as JSON, measured once: what it weighs in the LRU (never re-serialized per hit). */
  size: number
}

/** What this process keeps: a hit (or, under an index version, the knowledge that there is none). */
interface Kept {
  held?: Held
  /** The version of the whole index when this was known to be so. */
  indexVersion?: string
}

export interface CachedReads {
  getByIds(docs: DocRef[]): Promise<Map<string, Hit>>
}

const DEFAULT_LOCAL_BYTES = 256 * 1024 * 1024

export function createCachedReads(search: { getByIds(docs: DocRef[]): Promise<Map<string, Hit>> }, opts: CachedReadsOptions = {}): CachedReads {
  const budget = opts.localBytes ?? DEFAULT_LOCAL_BYTES
  const local = new LRUCache<string, Kept>({ maxSize: Math.max(1, budget) })
  reportCacheSize('documents', () => local.calculatedSize)
  const shared = opts.shared

  function keep(key: string, kept: Kept): void {
    if (budget === 0) return
    // Frozen: a cached hit is shared by every later request, so nothing may change it in place.
    if (kept.held) deepFreeze(kept.held.hit)
    local.set(key, kept, { size: key.length + 64 + (kept.held?.size ?? 0) })
  }

  return {
    async getByIds(docs) {
      // Answers are keyed by id (as `_mget`'s are), so one call asks for an id once.
      const byId = new Map(docs.map((d) => [d.id, d]))
      const out = new Map<string, Hit>()
      // Read before the documents: a write after it changes the version the next read sees.
      const indexVersions = opts.indexVersions ? await opts.indexVersions.of([...new Set(docs.map((d) => d.index))]) : new Map<string, string>()
      const unique: DocRef[] = []
      for (const doc of byId.values()) {
        const kept = local.get(keyOf(doc))
        const current = indexVersions.get(doc.index)
        if (kept && current !== undefined && kept.indexVersion === current) {
          if (kept.held) out.set(doc.id, kept.held.hit)
        } else unique.push(doc)
      }
      // Answered without a read so far; documents held here or in Redis are added once their version checks out.
      let localHits = byId.size - unique.length
      if (unique.length === 0) {
        countCacheLookups('documents', localHits, 0)
        return out
      }

      const held = new Map<string, Held>()
      for (const doc of unique) {
        const kept = local.get(keyOf(doc))?.held
        if (kept) held.set(keyOf(doc), kept)
      }
      const fromShared = new Set<string>()
      let sharedLookups = 0
      if (shared) {
        const missing = unique.filter((d) => !held.has(keyOf(d)))
        sharedLookups = missing.length
        const values = await shared.getMany(missing.map(keyOf))
        values.forEach((value, i) => {
          const entry = value === undefined ? undefined : parseHeld(value)
          if (entry) {
            held.set(keyOf(missing[i]!), entry)
            fromShared.add(keyOf(missing[i]!))
          }
        })
      }
      let sharedHits = 0
      const heldDocs = unique.filter((d) => held.has(keyOf(d)))
      const [fetched, versions] = await Promise.all([
        search.getByIds(unique.filter((d) => !held.has(keyOf(d)))),
        search.getByIds(heldDocs.map((d) => ({ ...d, versionOnly: true }))),
      ])
      const stale: DocRef[] = []
      for (const doc of heldDocs) {
        const current = versions.get(doc.id)
        if (!current) continue
        const entry = held.get(keyOf(doc))!
        if (entry.version !== versionOf(current)) {
          stale.push(doc)
          continue
        }
        out.set(doc.id, entry.hit)
        if (fromShared.has(keyOf(doc))) sharedHits++
        else localHits++
        keep(keyOf(doc), { held: entry, indexVersion: indexVersions.get(doc.index) })
      }
      countCacheLookups('documents', localHits, byId.size - localHits)
      if (shared) countCacheLookups('documents_shared', sharedHits, sharedLookups - sharedHits)
      const toShare: [string, string][] = []
      for (const [id, hit] of [...fetched, ...(await search.getByIds(stale))]) {
        out.set(id, hit)
        const version = versionOf(hit)
        if (!version) continue
        const shape = { version, hit: { _index: hit._index, _id: hit._id, _source: hit._source } }
        const doc = byId.get(id)!
        const json = JSON.stringify(shape)
        keep(keyOf(doc), { held: { ...shape, size: json.length }, indexVersion: indexVersions.get(doc.index) })
        toShare.push([keyOf(doc), json])
      }
      // Not there at the index's version: not there until it is written to.
      for (const doc of unique) {
        const indexVersion = indexVersions.get(doc.index)
        if (!out.has(doc.id) && indexVersion !== undefined) keep(keyOf(doc), { indexVersion })
      }
      shared?.setMany(toShare)
      return out
    },
  }
}

const keyOf = (d: { index: string; id: string }) => `${d.index}\u0000${d.id}`

/** A document version: a write anywhere in its index changes the sequence number; a recreated index, the rest. */
function versionOf(doc: Hit): string | undefined {
  const d = doc as Hit & { _seq_no?: number; _primary_term?: number; _version?: number }
  return d._seq_no === undefined ? undefined : `${d._index}:${d._seq_no}:${d._primary_term}:${d._version}`
}

function parseHeld(json: string): Held | undefined {
  try {
    const value = JSON.parse(json)
    return typeof value?.version === 'string' && typeof value.hit?._id === 'string' ? { version: value.version, hit: value.hit, size: json.length } : undefined
  } catch {
    return undefined
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) deepFreeze(child)
  }
  return value
}
