/**
 * Checks a decoded record against its lexicon (those shipped with @atproto/api) before it
 * is indexed. Collections with no lexicon there are accepted: they are stored generically.
 *
 * Takes the value `cborToLexRecord` returns. The lexicon validator wants blobs as `BlobRef`
 * instances, cid-link fields as CIDs and bytes as Uint8Array, while the decoder yields blobs
 * as plain `{ $type: 'blob', ref: CID, … }` objects (or legacy `{ cid, mimeType }` ones);
 * without converting those, every record with an image fails ("should be a blob ref").
 * Values already in that form (e.g. from `jsonToLex`) pass through unchanged.
 *
 * A record the compiled check of its lexicon accepts (compiled-lexicon.ts) is valid without
 * that copy or the generic walk; anything else gets the generic validator's verdict and reason.
 */
import { lexicons } from '@atproto/api'
import { BlobRef } from '@atproto/lexicon'
import { CID } from 'multiformats/cid'
import { CompiledLexicons } from '#/indexing/compiled-lexicon.js'

const compiled = new CompiledLexicons(lexicons, { plainBlobsAreBlobRefs: true })

export type RecordValidation = { ok: true } | { ok: false, reason: string }

export function validateRecord(collection: string, record: unknown): RecordValidation {
  if (compiled.record(collection)?.(record)) return { ok: true }
  let def
  try {
    def = lexicons.getDef(collection)
  } catch (err) {
    return { ok: false, reason: `collection ${collection}: ${message(err)}` }
  }
  if (def === undefined) return { ok: true }
  if (def.type !== 'record') {
    return { ok: false, reason: `collection ${collection} is a ${def.type} lexicon, not a record type` }
  }
  return validateRecordGeneric(collection, record)
}

/** The generic validator's verdict alone (a record type's lexicon is known to exist). */
export function validateRecordGeneric(collection: string, record: unknown): RecordValidation {
  try {
    lexicons.assertValidRecord(collection, withBlobRefs(record))
    return { ok: true }
  } catch (err) {
    return { ok: false, reason: message(err) }
  }
}

/** The compiled check of a record type (compiled-lexicon.ts), for tests that hold it to the generic one. */
export const compiledRecordCheck = (collection: string) => compiled.record(collection)

/** A copy of the value with every blob-shaped object replaced by a BlobRef. */
function withBlobRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withBlobRefs)
  if (typeof value !== 'object' || value === null) return value
  if (value instanceof BlobRef || value instanceof Uint8Array || CID.asCID(value) !== null) return value
  const object = value as Record<string, unknown>
  if (object.$type === 'blob' || (typeof object.cid === 'string' && typeof object.mimeType === 'string')) {
    // A malformed blob stays a plain object, and the validator reports where it is.
    const blob = BlobRef.asBlobRef(object)
    if (blob !== null) return blob
  }
  const copy: Record<string, unknown> = {}
  for (const key of Object.keys(object)) copy[key] = withBlobRefs(object[key])
  return copy
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
