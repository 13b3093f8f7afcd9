import { createHash } from 'node:crypto'
import type { ComAtprotoLabelDefs } from '@atproto/api'
import type { BulkOp } from '#/indexing/bulk-writer.js'
import { singleIndex } from '#/indexing/route.js'
import { normalizeDatetime } from '#/indexing/transforms/base.js'

/**
 * A label from a labeler service → its write to the `labels` index. There is one document per
 * (labeler, subject, value): a later label replaces an earlier one, "later" meaning its creation
 * time (cts), which is the document's external version — so a replayed or late older label is
 * refused as a version conflict, whatever order they arrive in. A negation is stored as such
 * (neg: true) rather than deleted, for the same reason. Ties go to the one that arrived last.
 */

export type Label = ComAtprotoLabelDefs.Label

export interface LabelDocument {
  src: string
  uri: string
  val: string
  neg: boolean
  cts: string
  exp?: string
  /** The label as served in views: as the labeler sent it, without its signature or version. */
  label: Label
  indexedAt: string
}

/** The document id: hashed, since a subject URI may exceed OpenSearch's 512-byte id limit. */
export function labelId(src: string, uri: string, val: string): string {
  return createHash('sha256').update(JSON.stringify([src, uri, val])).digest('base64url')
}

/** The document for a label, or why it cannot be stored. */
export function labelDocument(label: Label, indexedAt: string): LabelDocument | string {
  const cts = normalizeDatetime(label.cts)
  if (!cts) return `cts ${JSON.stringify(label.cts).slice(0, 60)} is not a usable date`
  const exp = label.exp === undefined ? undefined : normalizeDatetime(label.exp)
  if (label.exp !== undefined && !exp) return `exp ${JSON.stringify(label.exp).slice(0, 60)} is not a usable date`
  const served: Label = { src: label.src, uri: label.uri, cid: label.cid, val: label.val, cts: label.cts, exp: label.exp }
  if (label.neg) served.neg = true
  for (const key of Object.keys(served) as (keyof Label)[]) if (served[key] === undefined) delete served[key]
  const doc: LabelDocument = { src: label.src, uri: label.uri, val: label.val, neg: label.neg === true, cts, label: served, indexedAt }
  if (exp) doc.exp = exp
  return doc
}

/** The bulk write of a label, or why it cannot be stored. */
export function labelWriteOp(prefix: string, label: Label, indexedAt: string): BulkOp | string {
  const doc = labelDocument(label, indexedAt)
  if (typeof doc === 'string') return doc
  const id = labelId(label.src, label.uri, label.val)
  // Labels dated before 1970 (nonsense, but valid syntax) all rank as the oldest.
  const version = Math.max(0, Date.parse(doc.cts))
  return {
    action: { index: { _index: singleIndex(prefix, 'labels'), _id: id, version, version_type: 'external_gte' } },
    body: JSON.stringify(doc),
    ref: `${label.src} ${label.uri} ${label.val}`,
  }
}
