import { InvalidRequestError } from '@atproto/xrpc-server'

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
