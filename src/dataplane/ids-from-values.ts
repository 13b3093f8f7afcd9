import { collectionsByIndex } from '#/indexing/families.js'
import { recordId } from '#/indexing/route.js'
import type { Hit, SearchRequest } from '#/dataplane/opensearch-reader.js'

/**
 * Record ids (URIs) of hits from doc values instead of stored fields. A hit's `_id` is read from
 * the stored fields, and under `best_compression` that inflates a block per hit: on the 10 M
 * corpus, 31 hits of a timeline's repost search cost 4–5 ms of OpenSearch CPU with ids and
 * 0.5–1 ms without. Every record document carries its `did` and `rkey` in doc values, and the
 * family names the collection, so the URI is rebuilt exactly. Only searches that read no
 * `_source` (which inflates the block anyway) of a family holding one collection are rewritten.
 */

/** A rewritten search and how to give its hits back their ids. */
export interface IdsFromValues {
  request: SearchRequest
  /** Sets each hit's `_id`; false when some hit lacks the values (written before they existed, or a tombstone): search again as asked. */
  restore(hits: Hit[]): boolean
}

const ID_FIELDS = ['did', 'rkey'] as const

export function idsFromValues(request: SearchRequest): IdsFromValues | undefined {
  const body = request.body
  const collections = collectionsByIndex[request.index]
  if (body._source !== false || 'stored_fields' in body || 'inner_hits' in body || body.size === 0) return undefined
  if (!collections || collections.length !== 1 || collections[0] === '*') return undefined
  const collection = collections[0]!
  const asked = Array.isArray(body.docvalue_fields) ? (body.docvalue_fields as unknown[]) : []
  const askedNames = new Set(asked.map((f) => (typeof f === 'string' ? f : (f as { field?: string }).field)))
  const added = ID_FIELDS.filter((f) => !askedNames.has(f))
  return {
    request: { ...request, body: { ...body, stored_fields: ['_none_'], docvalue_fields: [...asked, ...added] } },
    restore(hits) {
      for (const hit of hits) {
        const did = hit.fields?.did?.[0]
        const rkey = hit.fields?.rkey?.[0]
        if (typeof did !== 'string' || typeof rkey !== 'string') return false
        hit._id = recordId(did, collection, rkey)
        for (const f of added) delete hit.fields![f]
      }
      return true
    },
  }
}
