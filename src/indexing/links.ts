/**
 * The links a record holds, for backlinks of any lexicon: every string that is an AT URI, a DID
 * or an http(s) URL, with the JSON path it sits at (`.subject.uri`, `.facets[].features[].did`:
 * object keys joined by dots, array items as `[]`). Pure, and bounded: records come from
 * anyone, so depth, the values walked and the links kept all have a ceiling, and a record that
 * reaches one says so (`bounded`) instead of costing without end.
 *
 * A record's links are stored in its own document as `linksTo` keys (`linkKey`), so they are
 * written, replaced and tombstoned with the record itself: same external version, same request.
 */
import { isValidDid } from '@atproto/syntax'

export interface RecordLink {
  /** The AT URI, DID or URL linked to, as written. */
  subject: string
  /** Where in the record: `.a.b`, `[]` for each array level. */
  path: string
}

export interface ExtractedLinks {
  links: RecordLink[]
  /** Which bound was reached, when one was: the links found before it are kept. */
  bounded?: 'depth' | 'values' | 'links'
}

/** Deeper than any lexicon nests (posts with embeds reach about 8). */
export const MAX_LINK_DEPTH = 32
/** Values visited per record: a huge array costs this much at most. */
export const MAX_LINK_VALUES = 20_000
/** Links kept per record (distinct subject and path). */
export const MAX_LINKS = 1_000
/**
 * Longer strings are not taken as links. Keeps every key well under the keyword limit, and the
 * pattern a count builds from a subject (backlink counts) under OpenSearch's regex length.
 */
export const MAX_SUBJECT_LENGTH = 480
/** Longer paths are cut here (keys are chosen by whoever writes the lexicon). */
export const MAX_PATH_LENGTH = 256

const AT_URI = /^at:\/\/[^\s/?#]+(\/[^\s?#]*)?$/

/** What a link subject may be: an AT URI, a DID, or an http(s) URL (no whitespace in any). */
export function linkKind(value: string): 'at-uri' | 'did' | 'url' | undefined {
  if (value.length === 0 || value.length > MAX_SUBJECT_LENGTH || /\s/.test(value)) return undefined
  if (value.startsWith('at://')) return AT_URI.test(value) ? 'at-uri' : undefined
  if (value.startsWith('did:')) return isValidDid(value) ? 'did' : undefined
  if (value.startsWith('https://') || value.startsWith('http://')) return URL.canParse(value) ? 'url' : undefined
  return undefined
}

export function extractLinks(record: unknown): ExtractedLinks {
  const links: RecordLink[] = []
  const seen = new Set<string>()
  let bounded: ExtractedLinks['bounded']
  let visited = 0
  // Depth first, by hand: recursion depth is the record's to choose.
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: record, path: '', depth: 0 }]
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!
    if (++visited > MAX_LINK_VALUES) {
      bounded = 'values'
      break
    }
    if (typeof value === 'string') {
      if (path === '' || linkKind(value) === undefined) continue
      const key = `${value} ${path}`
      if (seen.has(key)) continue
      if (links.length >= MAX_LINKS) {
        bounded = 'links'
        break
      }
      seen.add(key)
      links.push({ subject: value, path })
      continue
    }
    if (typeof value !== 'object' || value === null) continue
    if (depth >= MAX_LINK_DEPTH) {
      bounded ??= 'depth'
      continue
    }
    const children: { value: unknown; path: string; depth: number }[] = []
    if (Array.isArray(value)) {
      const itemPath = cut(`${path}[]`)
      for (const item of value) children.push({ value: item, path: itemPath, depth: depth + 1 })
    } else {
      // `$link` is a CID (blob or strong reference by content), never a subject.
      for (const [key, item] of Object.entries(value)) if (key !== '$link' && key !== '$type') children.push({ value: item, path: cut(`${path}.${key}`), depth: depth + 1 })
    }
    // Reversed so that the walk visits fields in the record's order.
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!)
  }
  return bounded ? { links, bounded } : { links }
}

function cut(path: string): string {
  return path.length > MAX_PATH_LENGTH ? path.slice(0, MAX_PATH_LENGTH) : path
}

/**
 * A link as one keyword: subject, the linking record's collection and the path, space
 * separated. Subjects and NSIDs hold no whitespace, so a prefix `subject ` finds every link to
 * a subject, `subject collection ` those from one collection, and the whole key one path.
 */
export function linkKey(subject: string, collection: string, path: string): string {
  return linkKeyAt(subject, linkPlace(collection, path))
}

/** The key of a link to `subject` at a place (linkPlace). */
export function linkKeyAt(subject: string, place: string): string {
  return `${subject} ${place}`
}

/**
 * Where a link sits, whatever it links to: the linking record's collection and the path (a
 * key without its subject). A record's places are few and the network's a few thousand, so
 * grouping by them is cheap where grouping by keys (one per subject) is not: backlink counts
 * find a popular subject's groups among its linking records' places.
 */
export function linkPlace(collection: string, path: string): string {
  return `${collection} ${path}`
}

/** The collection and path of a key known to start with `subject `. */
export function splitLinkKey(key: string, subject: string): { collection: string; path: string } | undefined {
  if (!key.startsWith(`${subject} `)) return undefined
  const rest = key.slice(subject.length + 1)
  const space = rest.indexOf(' ')
  if (space <= 0) return undefined
  return { collection: rest.slice(0, space), path: rest.slice(space + 1) }
}
