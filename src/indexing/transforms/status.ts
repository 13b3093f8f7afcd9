import type { RecordFamily, RecordDocument, RecordInput } from '#/indexing/family.js'
import { baseDocument, put, stringOrUndefined } from '#/indexing/transforms/base.js'

/**
 * app.bsky.actor.status → `statuses`. `expiresAt` is precomputed (claimed creation time plus
 * `durationMinutes`) so "is this account live now" is a range query, not arithmetic.
 */
export const statusFamily: RecordFamily = {
  index: 'statuses',
  collection: 'app.bsky.actor.status',
  partitioned: false,
  transform: transformStatus,
}

function transformStatus(input: RecordInput): RecordDocument {
  const { record } = input
  const doc = baseDocument(input, record.createdAt)
  put(doc, 'status', stringOrUndefined(record.status))
  const minutes = record.durationMinutes
  if (typeof minutes === 'number' && Number.isSafeInteger(minutes)) {
    doc.durationMinutes = minutes
    put(doc, 'expiresAt', expiry(doc.createdAt, minutes))
  }
  return doc
}

function expiry(createdAt: unknown, minutes: number): string | undefined {
  if (typeof createdAt !== 'string') return undefined
  const expires = new Date(Date.parse(createdAt) + minutes * 60_000)
  // A huge duration lands beyond what a date field holds; then there is no useful expiry.
  if (Number.isNaN(expires.getTime()) || expires.getUTCFullYear() > 9999) return undefined
  return expires.toISOString()
}
