/**
 * What the parity suite removes before comparing an answer of the reference AppView with
 * Magpie's. Everything else — field presence, order, counts, viewer state, labels, embeds,
 * `$type`s, image URLs — is compared exactly. Each rule names what it touches and why the two
 * AppViews may legitimately differ there; a rule never hides a missing field.
 *
 * Not a rule, configuration: Magpie runs with IMAGE_CDN_URL set to the reference's image CDN
 * base, so avatar/banner/thumbnail URLs are compared as they are.
 */

export interface NormalizationRule {
  name: string
  why: string
}

export const RULES: readonly NormalizationRule[] = [
  {
    name: '`indexedAt` (any depth): a valid datetime becomes "<datetime>"',
    why: "each AppView stamps records with its own clock when it indexes them; presence and format still count",
  },
  {
    name: 'top-level `cursor`: a non-empty string becomes "<cursor>"; an empty one is left out',
    why: 'cursors are opaque to clients and each AppView encodes its own; whether there is a next page still counts, and paged cases follow each side\'s own cursor. Some reference methods (getDrafts) pass on its data plane\'s "" for "no next page", which clients read as no cursor; Magpie leaves the cursor out, which a client that pages until the cursor is undefined cannot loop on',
  },
  {
    name: 'top-level `hitsTotal`: a number becomes "<count>"',
    why: "it is an estimate by each AppView's search backend (searchStarterPacksV2), and the reference's dev-env stand-in for its search service always says 0 where Magpie counts the matches; presence still counts, and test/integration/api-graph-dialogs.test.ts checks Magpie's counts",
  },
  {
    name: '`viewer.knownFollowers.followers` (any depth): sorted by DID',
    why: "the reference's known-followers query has no ORDER BY, so its order is whatever PostgreSQL returns; which accounts and how many still count",
  },
  {
    name: 'listNotifications `seenAt`, when it is the first notification\'s own `indexedAt`: becomes "<first notification indexedAt>"',
    why: 'for an account that never called updateSeen both AppViews report the newest notification\'s time as seen; for a starter pack join that is when the profile was committed, which a backfill cannot know (Magpie then has the time the profile claims). A stored seen time is still compared',
  },
  {
    name: 'bookmark views\' `createdAt`: a valid datetime becomes "<datetime>"',
    why: 'it is when each AppView stored the private bookmark (its own clock), not a record time; presence and format still count',
  },
  {
    name: 'draft views\' `id`, `createdAt` and `updatedAt`: become "<draft id>" and "<datetime>"',
    why: 'a draft is private state each AppView names (a TID it picks) and stamps with its own clock when stored; the draft itself, the order and paging still count',
  },
  {
    name: 'error answers keep the HTTP status and the `error` name, not `message`',
    why: 'clients branch on the error name; the message is human text and is kept in the report for reading',
  },
]

/** One AppView's answer to a request (or to a paged run of requests). */
export interface Answer {
  status: number
  body: unknown
}

export type Normalized =
  | { status: number; error: string | undefined }
  | { status: 200; body: unknown }

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/

export function normalizeAnswer(answer: Answer): Normalized {
  if (answer.status !== 200) {
    const error = (answer.body as { error?: unknown } | null)?.error
    return { status: answer.status, error: typeof error === 'string' ? error : undefined }
  }
  return { status: 200, body: normalizeBody(answer.body) }
}

/** A 200 body; paged runs are `{ pages: [body…] }`, each page normalized like a single answer. */
export function normalizeBody(body: unknown): unknown {
  if (isObject(body) && Array.isArray(body.pages)) return { pages: body.pages.map(normalizeBody) }
  if (!isObject(body)) return normalizeValue(body)
  const out = normalizeValue(body) as Record<string, unknown>
  if (typeof body.cursor === 'string') {
    if (body.cursor === '') delete out.cursor
    else out.cursor = '<cursor>'
  }
  if (typeof body.hitsTotal === 'number') out.hitsTotal = '<count>'
  const first = Array.isArray(body.notifications) ? (body.notifications[0] as { indexedAt?: unknown } | undefined) : undefined
  if (typeof body.seenAt === 'string' && body.seenAt === first?.indexedAt) out.seenAt = '<first notification indexedAt>'
  return out
}

function normalizeValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalizeValue)
  if (!isObject(value)) return value
  const out: Record<string, unknown> = {}
  for (const [key, v] of Object.entries(value)) {
    const clock = key === 'indexedAt' || (key === 'createdAt' && isObject(value.subject) && 'item' in value)
    out[key] = clock && typeof v === 'string' && DATETIME.test(v) && !Number.isNaN(Date.parse(v)) ? '<datetime>' : normalizeValue(v)
  }
  if (isDraftView(value)) {
    out.id = '<draft id>'
    for (const key of ['createdAt', 'updatedAt']) if (DATETIME.test(String(value[key]))) out[key] = '<datetime>'
  }
  if (Array.isArray(out.followers) && typeof out.count === 'number' && Object.keys(out).every((k) => k === 'followers' || k === 'count')) {
    // A knownFollowers object ({count, followers}): an unordered sample on the reference's side.
    out.followers = [...(out.followers as { did?: string }[])].sort((a, b) => String(a.did).localeCompare(String(b.did)))
  }
  return out
}

/** app.bsky.draft.defs#draftView: exactly its four fields, the draft an object. */
function isDraftView(v: Record<string, unknown>): boolean {
  const keys = Object.keys(v).sort().join(' ')
  return keys === 'createdAt draft id updatedAt' && isObject(v.draft) && typeof v.id === 'string'
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/**
 * Where two normalized answers differ, as readable lines
 * (`$.feed[0].post.likeCount: reference 2, Magpie 3`). At most `max` lines.
 */
export function diffLines(reference: unknown, magpie: unknown, max = 40): string[] {
  const lines: string[] = []
  const walk = (a: unknown, b: unknown, path: string): void => {
    if (lines.length >= max) return
    if (Array.isArray(a) && Array.isArray(b)) {
      if (a.length !== b.length) lines.push(`${path}.length: reference ${a.length}, Magpie ${b.length}`)
      for (let i = 0; i < Math.min(a.length, b.length); i++) walk(a[i], b[i], `${path}[${i}]`)
      return
    }
    if (isObject(a) && isObject(b)) {
      for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
        const p = `${path}.${key}`
        if (!(key in b)) lines.push(`${p}: missing in Magpie (reference ${show(a[key])})`)
        else if (!(key in a)) lines.push(`${p}: only in Magpie (${show(b[key])})`)
        else walk(a[key], b[key], p)
      }
      return
    }
    if (JSON.stringify(a) !== JSON.stringify(b)) lines.push(`${path}: reference ${show(a)}, Magpie ${show(b)}`)
  }
  walk(reference, magpie, '$')
  return lines
}

function show(v: unknown): string {
  const s = JSON.stringify(v) ?? 'undefined'
  return s.length > 120 ? `${s.slice(0, 117)}…` : s
}
