import { InvalidRequestError } from '@atproto/xrpc-server'
import {
  isAtUriString,
  isValidAtIdentifier,
  isValidDid,
  isValidHandle,
  isValidLanguage,
  isValidNsid,
  isValidRecordKey,
  isDatetimeString,
} from '@atproto/syntax'
import { CID } from 'multiformats/cid'
import { z } from 'zod'

/**
 * Zod builders for XRPC query parameters, one per lexicon parameter type, so a method's params
 * schema reads like its lexicon. A query string gives every parameter as a list of strings
 * (`?actors=a&actors=b`): array parameters take them all, scalars the first, as
 * @atproto/xrpc-server does. Messages are phrased to follow the parameter's name
 * ("limit can not be greater than 100").
 */

export type ParamsShape = Record<string, z.ZodTypeAny>

/**
 * Lexicons leave most strings and lists unbounded; a request is bounded all the same, since
 * every value ends up in a query (OpenSearch refuses past 1,024 clauses) or in a lookup per
 * item. A method whose lexicon sets a limit, or that needs a tighter one, says so.
 */
export const DEFAULT_LIMITS = {
  /** Characters of a string parameter: more than any query Magpie accepts (search text stops at 1,000). */
  maxLength: 2000,
  /** Items of a repeated parameter. */
  maxItems: 100,
} as const

const first = (value: unknown) => (Array.isArray(value) ? value[0] : value)

function formatted(check: (value: string) => boolean, expected: string) {
  return z.preprocess(first, z.string().refine(check, `must be ${expected}`))
}

export const param = {
  string(opts: { minLength?: number; maxLength?: number } = {}) {
    let s = z.string()
    if (opts.minLength !== undefined) s = s.min(opts.minLength, `must be at least ${opts.minLength} characters`)
    const maxLength = opts.maxLength ?? DEFAULT_LIMITS.maxLength
    s = s.max(maxLength, `must not be longer than ${maxLength} characters`)
    return z.preprocess(first, s)
  },
  /** A string with a closed set of values (lexicon `enum`). */
  enum<const T extends readonly [string, ...string[]]>(values: T) {
    return z.preprocess(first, z.enum(values, { errorMap: () => ({ message: `must be one of ${values.join(', ')}` }) }))
  },
  integer(opts: { minimum?: number; maximum?: number } = {}) {
    let n = z.number({ invalid_type_error: 'must be an integer' }).int('must be an integer')
    if (opts.minimum !== undefined) n = n.min(opts.minimum, `can not be less than ${opts.minimum}`)
    if (opts.maximum !== undefined) n = n.max(opts.maximum, `can not be greater than ${opts.maximum}`)
    return z.preprocess((value) => {
      const v = first(value)
      return typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v
    }, n)
  },
  /** The usual `limit`: an integer in [1, max] with a default. */
  limit(opts: { maximum: number; default: number; minimum?: number }) {
    return param.integer({ minimum: opts.minimum ?? 1, maximum: opts.maximum }).default(opts.default)
  },
  boolean() {
    return z.preprocess(
      (value) => {
        const v = first(value)
        return v === 'true' ? true : v === 'false' ? false : v
      },
      z.boolean({ invalid_type_error: 'must be a boolean (true or false)' }),
    )
  },
  did: () => formatted(isValidDid, 'a valid DID'),
  handle: () => formatted(isValidHandle, 'a valid handle'),
  atIdentifier: () => formatted(isValidAtIdentifier, 'a valid handle or DID'),
  // The lexicon's own check (stricter than isValidAtUri: no empty segments, no query): what is
  // accepted here can be echoed in an answer, which must pass it.
  atUri: () => formatted(isAtUriString, 'a valid AT URI'),
  nsid: () => formatted(isValidNsid, 'a valid NSID'),
  recordKey: () => formatted(isValidRecordKey, 'a valid record key'),
  datetime: () => formatted(isDatetimeString, 'a valid datetime'),
  language: () => formatted(isValidLanguage, 'a valid language code'),
  uri: () => formatted((v) => URL.canParse(v), 'a valid URI'),
  cid: () => formatted(isCid, 'a valid CID'),
  /**
   * An opaque paging cursor. Its content is checked by the method that minted it; here only
   * that it is a plausible token, so junk never reaches a query.
   */
  cursor: () => formatted((v) => v.length > 0 && v.length <= 512 && /^[\x21-\x7e]+$/.test(v), 'a valid cursor'),
  /** A repeated parameter (`?x=a&x=b`). */
  array<T extends z.ZodTypeAny>(item: T, opts: { minLength?: number; maxLength?: number } = {}) {
    let a = z.array(item)
    if (opts.minLength !== undefined) a = a.min(opts.minLength, `must have at least ${opts.minLength} items`)
    const maxLength = opts.maxLength ?? DEFAULT_LIMITS.maxItems
    a = a.max(maxLength, `must not have more than ${maxLength} items`)
    return z.preprocess((value) => (value === undefined || Array.isArray(value) ? value : [value]), a)
  },
}

/**
 * Query-string values by name: every occurrence, in order. The record has no prototype, so a
 * parameter named `__proto__` or `constructor` is one more unknown name, not Object's own.
 */
export function queryValues(search: URLSearchParams): Record<string, string[]> {
  const values: Record<string, string[]> = Object.create(null)
  for (const [key, value] of search) (values[key] ??= []).push(value)
  return values
}

/** Validate query values against a method's params schema, or throw InvalidRequest naming the parameter. */
export function parseParams<S extends z.ZodTypeAny>(schema: S, values: Record<string, string[]>): z.output<S> {
  const result = schema.safeParse(values)
  if (result.success) return result.data
  throw new InvalidRequestError(describeIssue(result.error.issues[0]))
}

/** Validate a procedure's JSON body, or throw InvalidRequest naming the offending field. */
export function parseInput<S extends z.ZodTypeAny>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body)
  if (result.success) return result.data
  const issue = result.error.issues[0]
  const where = issue?.path.length ? `Input/${issue.path.join('/')}` : 'Input'
  throw new InvalidRequestError(`${where} ${issue?.message ?? 'is invalid'}`)
}

function describeIssue(issue: z.ZodIssue | undefined): string {
  if (!issue) return 'Invalid parameters'
  const [name, ...rest] = issue.path
  if (name === undefined) return `Invalid parameters: ${issue.message}`
  if (issue.code === 'invalid_type' && issue.received === 'undefined' && rest.length === 0) {
    return `Params must have the property "${name}"`
  }
  const where = rest.length ? `${String(name)}[${rest.join('][')}]` : String(name)
  return `${where} ${issue.message}`
}

function isCid(value: string): boolean {
  try {
    CID.parse(value)
    return true
  } catch {
    return false
  }
}
