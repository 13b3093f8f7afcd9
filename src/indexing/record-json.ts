/**
 * Records come off the wire as decoded DAG-CBOR (`cborToLexRecord`): CID objects for links,
 * Uint8Array for bytes, blobs as `{ $type: 'blob', ref: CID, … }` (or BlobRef instances
 * once prepared for validation). Documents store the lexicon JSON form instead — `$link`,
 * `$bytes`, `ref: { $link }` — which is what views serve and what JSON can hold.
 */
import { lexToJson } from '@atproto/lexicon'

export function toRecordJson(lexRecord: Record<string, unknown>): Record<string, unknown> {
  return lexToJson(lexRecord) as Record<string, unknown>
}
