import { InvalidRequestError } from '@atproto/xrpc-server'
import type { SortKey } from '#/dataplane/pages.js'

/**
 * Paging cursors for OpenSearch `search_after`: the last hit's sort values, opaque to clients
 * (base64url of their JSON). A cursor that does not decode to the expected number of sort
 * values is a 400, never a query built from client junk.
 */

export type SortValues = (string | number)[]

export function encodeCursor(values: SortValues): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url')
}

/** The sort values a cursor carries (undefined for no cursor), or InvalidRequest "Malformed cursor". */
export function decodeCursor(cursor: string | undefined, arity: number): SortValues | undefined {
  if (cursor === undefined) return undefined
  let values: unknown
  try {
    values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    throw new InvalidRequestError('Malformed cursor')
  }
  const ok =
    Array.isArray(values) &&
    values.length === arity &&
    values.every((v) => (typeof v === 'string' && v.length <= 1024) || (typeof v === 'number' && Number.isFinite(v)))
  if (!ok) throw new InvalidRequestError('Malformed cursor')
  return values as SortValues
}

/**
 * The sort key a cursor carries: a time (epoch ms) followed by `arity - 1` strings, the shape of
 * every graph listing's key. Anything else is InvalidRequest "Malformed cursor", never a query.
 */
export function keyFromCursor(cursor: string | undefined, arity: number): SortKey | undefined {
  const values = decodeCursor(cursor, arity)
  if (!values) return undefined
  const [time, ...rest] = values
  if (typeof time !== 'number' || !Number.isInteger(time) || !rest.every((v) => typeof v === 'string')) {
    throw new InvalidRequestError('Malformed cursor')
  }
  return values
}

export function cursorFromKey(key: SortKey | undefined): string | undefined {
  return key ? encodeCursor(key) : undefined
}
