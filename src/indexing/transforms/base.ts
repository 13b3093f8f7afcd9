/**
 * Pieces every transform shares: the common document head (author, CID, times, record)
 * and tolerant readers for the loosely-typed record. Readers return `undefined` instead
 * of throwing, because a transform must never fail on a field it merely derives from.
 */
import { AtUri } from '@atproto/syntax'
import type { RecordDocument, RecordInput } from '#/indexing/family.js'

export type Json = Record<string, unknown>

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

/** The string items of an array-valued field, skipping anything else. */
export function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
}

export function objects(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter(isObject) : []
}

/** Keeps the first occurrence of each value, in order. */
export function unique(values: Iterable<string>): string[] {
  return [...new Set(values)]
}

// Only years that `date` fields and toISOString both render as plain YYYY.
// (Date.UTC maps years 0–99 to 1900–1999, so parse the bounds instead.)
const MIN_TIME = Date.parse('0001-01-01T00:00:00.000Z')
const MAX_TIME = Date.parse('9999-12-31T23:59:59.999Z')
// Date.parse accepts almost anything ("5" is May 2001), so insist on a calendar date first.
const LOOKS_LIKE_DATE = /^\d{4}-\d{2}-\d{2}/

/** A claimed timestamp as canonical ISO 8601 (UTC, milliseconds), if it is a real date. */
export function normalizeDatetime(value: unknown): string | undefined {
  if (typeof value !== 'string' || !LOOKS_LIKE_DATE.test(value)) return undefined
  const time = Date.parse(value)
  if (Number.isNaN(time) || time < MIN_TIME || time > MAX_TIME) return undefined
  return new Date(time).toISOString()
}

/**
 * The fields every document has. `sortAt` is the earlier of the claimed and observed
 * times, so a record back-dated by its author sorts where they claim but one dated in the
 * future cannot jump ahead of everything else.
 */
export function baseDocument(input: RecordInput, claimedAt?: unknown): RecordDocument {
  const createdAt = normalizeDatetime(claimedAt)
  const doc: RecordDocument = { did: input.did, cid: input.cid }
  if (createdAt !== undefined) doc.createdAt = createdAt
  doc.indexedAt = input.indexedAt
  doc.sortAt = earlierOf(createdAt, input.indexedAt)
  doc.record = input.record
  return doc
}

/** The sortAt baseDocument gave a document dated by its record's createdAt (sortAt is left out of `_source`). */
export function sortAtOfDocument(doc: RecordDocument): string | undefined {
  const record = doc.record as Record<string, unknown> | undefined
  return typeof doc.indexedAt === 'string' ? earlierOf(normalizeDatetime(record?.createdAt), doc.indexedAt) : undefined
}

export function earlierOf(createdAt: string | undefined, indexedAt: string): string {
  if (createdAt === undefined) return indexedAt
  const indexedTime = Date.parse(indexedAt)
  if (Number.isNaN(indexedTime)) return createdAt
  return Date.parse(createdAt) < indexedTime ? createdAt : indexedAt
}

/** Sets a derived field unless there is nothing to say (undefined or an empty list). */
export function put(doc: RecordDocument, field: string, value: unknown): void {
  if (value === undefined) return
  if (Array.isArray(value) && value.length === 0) return
  doc[field] = value
}

function parseAtUri(uri: unknown): AtUri | undefined {
  // AtUri also accepts a bare "did:…/…"; that is not an AT URI, so require the scheme.
  if (typeof uri !== 'string' || !uri.startsWith('at://')) return undefined
  try {
    return new AtUri(uri)
  } catch {
    return undefined
  }
}

/** The DID an AT URI points into, or undefined when the URI is malformed or names a handle. */
export function didOfAtUri(uri: unknown): string | undefined {
  const parsed = parseAtUri(uri)
  if (parsed === undefined) return undefined
  try {
    return parsed.did
  } catch {
    return undefined
  }
}

export function collectionOfAtUri(uri: unknown): string | undefined {
  const collection = parseAtUri(uri)?.collection
  return collection ? collection : undefined
}

/** URI and CID of a `com.atproto.repo.strongRef`, each only if it is a string. */
export function strongRef(value: unknown): { uri?: string, cid?: string } {
  if (!isObject(value)) return {}
  return { uri: stringOrUndefined(value.uri), cid: stringOrUndefined(value.cid) }
}
