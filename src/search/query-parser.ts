/**
 * Bluesky's post search syntax → a structured query. Pure: no I/O, no OpenSearch syntax. The
 * OpenSearch query is built from the result by post-query.ts with match/term clauses only, so
 * nothing a user types is ever interpreted by a query language on the server.
 *
 * Grammar (whitespace separates clauses outside quotes; a leading `-` negates any clause):
 *   clause   := ['-'] ( phrase | operator | hashtag | url | did | word )
 *   phrase   := '"' chars '"'            (an unclosed quote runs to the end of the query)
 *   operator := key ':' (value | phrase)  key ∈ from author to mentions lang domain since until url
 *   hashtag  := ('#' | '＃') tag
 *   url      := http(s)://…               (a link the post carries)
 *   did      := did:method:id             (posts by that account, as the reference AppView reads it)
 *   word     := anything else             (an unknown `key:value` is a word too)
 */

export type FilterField = 'from' | 'to' | 'mentions' | 'lang' | 'domain' | 'url' | 'tag'

export interface TextClause {
  kind: 'word' | 'phrase'
  text: string
  negated: boolean
}

export interface FilterClause {
  field: FilterField
  /** Normalized value: a handle (no `@`, lower case), a DID, `me`, a language, a domain, a URL or a tag. */
  value: string
  negated: boolean
}

export interface ParsedQuery {
  text: TextClause[]
  filters: FilterClause[]
  /** Inclusive lower bound on the post's time (ISO datetime). */
  since?: string
  /** Exclusive upper bound on the post's time (ISO datetime). */
  until?: string
}

/** A query the parser refuses, with a reason the user can act on (served as a 400). */
export class QueryParseError extends Error {}

export const MAX_QUERY_LENGTH = 1000
export const MAX_CLAUSES = 32

const OPERATOR_ALIASES: Record<string, FilterField | 'since' | 'until'> = {
  from: 'from',
  author: 'from',
  to: 'to',
  mentions: 'mentions',
  mention: 'mentions',
  lang: 'lang',
  domain: 'domain',
  url: 'url',
  since: 'since',
  until: 'until',
}

// Straight and typographic double quotes: phone keyboards type the latter.
const QUOTES = new Set(['"', '“', '”', '„', '＂'])
// Control characters and lone surrogates are noise in a query (and break JSON on the way out).
const NOISE = /[\p{Cc}\p{Cs}\p{Co}]/gu

export function parseQuery(input: string): ParsedQuery {
  if (input.length > MAX_QUERY_LENGTH) throw new QueryParseError(`query is longer than ${MAX_QUERY_LENGTH} characters`)
  const raw = splitClauses(input.normalize('NFC').replace(NOISE, ' '))
  if (raw.length > MAX_CLAUSES) throw new QueryParseError(`query has more than ${MAX_CLAUSES} terms`)
  const out: ParsedQuery = { text: [], filters: [] }
  for (const clause of raw) readClause(clause, out)
  return out
}

/** Whether the query selects anything at all (an empty query is refused by the endpoints). */
export function isEmptyQuery(q: ParsedQuery): boolean {
  return q.text.length === 0 && q.filters.length === 0 && q.since === undefined && q.until === undefined
}

interface RawClause {
  negated: boolean
  /** Text before a quote (an operator key, `key:`), or the whole clause. */
  head: string
  /** The quoted part, when the clause has one. */
  quoted?: string
}

function splitClauses(input: string): RawClause[] {
  const clauses: RawClause[] = []
  let head = ''
  let quoted: string | undefined
  let inQuote = false
  const flush = () => {
    const negated = head.startsWith('-') && (head.length > 1 || quoted !== undefined)
    const rest = negated ? head.slice(1) : head
    if (rest !== '' || (quoted !== undefined && quoted.trim() !== '')) clauses.push({ negated, head: rest, quoted: quoted?.trim() })
    head = ''
    quoted = undefined
  }
  for (const ch of input) {
    if (inQuote) {
      if (QUOTES.has(ch)) {
        inQuote = false
        flush()
      } else quoted += ch
    } else if (QUOTES.has(ch)) {
      // A quote inside a word (`don"t`) starts a phrase only where a clause may start one.
      if (head === '' || head === '-' || head.endsWith(':')) {
        inQuote = true
        quoted = ''
      } else head += ch
    } else if (/\s/u.test(ch)) {
      flush()
    } else head += ch
  }
  flush()
  return clauses
}

function readClause(clause: RawClause, out: ParsedQuery): void {
  const { negated, head, quoted } = clause
  const colon = head.indexOf(':')
  const key = colon > 0 ? OPERATOR_ALIASES[head.slice(0, colon).toLowerCase()] : undefined
  if (key) {
    const value = quoted ?? head.slice(colon + 1)
    if (value.trim() === '') return
    if (key === 'since' || key === 'until') {
      if (negated) throw new QueryParseError(`${key}: can not be negated`)
      out[key] = parseTime(key, value.trim())
      return
    }
    const normalized = normalizeValue(key, value.trim())
    if (normalized) out.filters.push({ field: key, value: normalized, negated })
    return
  }
  if (quoted !== undefined) {
    if (head !== '') addWord(head, negated, out)
    if (quoted !== '') out.text.push({ kind: 'phrase', text: quoted, negated })
    return
  }
  if (/^[#＃]/u.test(head)) {
    const tag = head.replace(/^[#＃]+/u, '').toLowerCase()
    if (tag !== '') out.filters.push({ field: 'tag', value: tag, negated })
    return
  }
  if (/^https?:\/\//i.test(head) && URL.canParse(head)) {
    out.filters.push({ field: 'url', value: head, negated })
    return
  }
  if (/^did:[a-z]+:[a-zA-Z0-9._:%-]+$/.test(head)) {
    out.filters.push({ field: 'from', value: head, negated })
    return
  }
  addWord(head, negated, out)
}

function addWord(text: string, negated: boolean, out: ParsedQuery): void {
  // Bare punctuation matches nothing a reader would call a word.
  if (/^\p{P}+$/u.test(text)) return
  out.text.push({ kind: 'word', text, negated })
}

function normalizeValue(field: FilterField, value: string): string | undefined {
  switch (field) {
    case 'from':
    case 'to':
    case 'mentions': {
      const id = value.replace(/^@/, '')
      return id.startsWith('did:') ? id : id.toLowerCase()
    }
    case 'lang':
      return value.toLowerCase()
    case 'domain':
      return value.toLowerCase().replace(/^https?:\/\//, '').replace(/\/.*$/, '').replace(/^www\./, '').replace(/\.$/, '') || undefined
    case 'tag':
      return value.replace(/^[#＃]+/u, '').toLowerCase() || undefined
    case 'url':
      return value
  }
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/i

/** A date (midnight UTC) or a datetime (UTC unless it says otherwise) as an ISO string. */
export function parseTime(what: string, value: string): string {
  let text = value
  if (DATE_ONLY.test(value)) text = `${value}T00:00:00Z`
  else if (DATETIME.test(value)) text = /(Z|[+-]\d{2}:?\d{2})$/i.test(value) ? value : `${value}Z`
  else throw new QueryParseError(`${what}: must be a date (YYYY-MM-DD) or a datetime`)
  const time = new Date(text)
  if (Number.isNaN(time.getTime())) throw new QueryParseError(`${what}: must be a date (YYYY-MM-DD) or a datetime`)
  return time.toISOString()
}
