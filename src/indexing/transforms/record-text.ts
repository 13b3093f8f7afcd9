/**
 * What of a third-party record is searchable text: per collection, a small declaration of
 * which fields are its title, its text and its date (paths in the links' notation, `[]` for
 * every item of an array); for a collection nobody declared, every string value that reads as
 * words. Pure, and bounded like the links: records come from anyone.
 */
import { isObject } from '#/indexing/transforms/base.js'
import { linkKind } from '#/indexing/links.js'

export interface RecordTextSpec {
  title?: readonly string[]
  text: readonly string[]
  /** The first of these that is a date dates the record (else `createdAt`). */
  date?: readonly string[]
}

/** Lexicons whose shape is known. Add a row to make another one search well. */
export const RECORD_TEXT_SPECS: Readonly<Record<string, RecordTextSpec>> = {
  'com.whtwnd.blog.entry': { title: ['.title'], text: ['.content'], date: ['.createdAt'] },
  'pub.leaflet.document': {
    title: ['.title'],
    text: ['.description', '.pages[].blocks[].block.plaintext', '.pages[].blocks[].block.text'],
    date: ['.publishedAt'],
  },
  'pub.leaflet.publication': { title: ['.name'], text: ['.description'] },
  'site.standard.document': { title: ['.title'], text: ['.description', '.textContent'], date: ['.publishedAt'] },
  'site.standard.publication': { title: ['.name'], text: ['.description'] },
  'sh.tangled.repo': { title: ['.name'], text: ['.description'] },
  'sh.tangled.repo.issue': { title: ['.title'], text: ['.body'] },
  'sh.tangled.repo.issue.comment': { text: ['.body'] },
  'sh.tangled.repo.pull': { title: ['.title'], text: ['.body'] },
  'sh.tangled.repo.pull.comment': { text: ['.body'] },
  // Label changes are dated by when they were made; they carry no words.
  'sh.tangled.label.op': { text: [], date: ['.performedAt'] },
  'sh.tangled.string': { title: ['.filename'], text: ['.description', '.contents'] },
  'community.lexicon.calendar.event': { title: ['.name'], text: ['.description'], date: ['.startsAt', '.createdAt'] },
}

/** Characters of text kept per record (a long blog entry is searchable by its first 64k). */
export const MAX_RECORD_TEXT = 65_536
const MAX_VALUES = 20_000
const MAX_DEPTH = 32

export interface RecordText {
  title?: string
  text?: string
  /** The declared date's raw value, when the spec names one and the record has it. */
  date?: unknown
}

export function recordText(collection: string, record: Record<string, unknown>): RecordText {
  const spec = RECORD_TEXT_SPECS[collection]
  if (!spec) return { text: joined(genericStrings(record)) }
  const out: RecordText = {}
  const title = joined(spec.title?.flatMap((path) => stringsAt(record, path)) ?? [])
  const text = joined(spec.text.flatMap((path) => stringsAt(record, path)))
  if (title !== undefined) out.title = title
  if (text !== undefined) out.text = text
  for (const path of spec.date ?? []) {
    const [value] = valuesAt(record, path)
    if (value !== undefined) {
      out.date = value
      break
    }
  }
  return out
}

function joined(parts: string[]): string | undefined {
  const text = parts.map((p) => p.trim()).filter((p) => p.length > 0).join('\n')
  if (text.length === 0) return undefined
  return text.length > MAX_RECORD_TEXT ? text.slice(0, MAX_RECORD_TEXT) : text
}

/** The values at a path (`.a.b[].c`): a `[]` step fans out over an array's items. */
export function valuesAt(record: unknown, path: string): unknown[] {
  let current: unknown[] = [record]
  for (const step of path.split('.').slice(1)) {
    const fanOut = step.endsWith('[]')
    const key = fanOut ? step.slice(0, -2) : step
    const next: unknown[] = []
    for (const value of current) {
      const child = isObject(value) ? value[key] : undefined
      if (fanOut) {
        if (Array.isArray(child)) next.push(...child.slice(0, MAX_VALUES - next.length))
      } else if (child !== undefined) next.push(child)
    }
    current = next
  }
  return current
}

function stringsAt(record: unknown, path: string): string[] {
  return valuesAt(record, path).filter((v): v is string => typeof v === 'string')
}

// Identifiers, not words: links, dates, NSIDs in `$type`, CIDs, TIDs, language tags.
const DATE_LIKE = /^\d{4}-\d{2}-\d{2}(T|$)/
const TOKEN_LIKE = /^[a-z0-9]+([.:-][a-z0-9]+)*$/i

/** Every string value of an unknown record that reads as words, in the record's order. */
function genericStrings(record: Record<string, unknown>): string[] {
  const out: string[] = []
  let visited = 0
  const stack: { value: unknown; key: string; depth: number }[] = [{ value: record, key: '', depth: 0 }]
  while (stack.length > 0 && visited++ < MAX_VALUES) {
    const { value, key, depth } = stack.pop()!
    if (typeof value === 'string') {
      if (isWords(key, value)) out.push(value)
      continue
    }
    if (typeof value !== 'object' || value === null || depth >= MAX_DEPTH) continue
    const entries: [string, unknown][] = Array.isArray(value) ? value.map((item) => [key, item]) : Object.entries(value)
    for (let i = entries.length - 1; i >= 0; i--) {
      const [childKey, child] = entries[i]!
      if (childKey !== '$type' && childKey !== '$link' && childKey !== '$bytes') stack.push({ value: child, key: childKey, depth: depth + 1 })
    }
  }
  return out
}

function isWords(key: string, value: string): boolean {
  if (key === 'mimeType' || linkKind(value) !== undefined || DATE_LIKE.test(value)) return false
  // One token without spaces that looks like an identifier (a rkey, a CID, `en`, an NSID).
  return !(TOKEN_LIKE.test(value) && !/\s/.test(value) && /[0-9.:]/.test(value))
}
