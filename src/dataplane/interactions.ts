import { live, recordPage } from '#/dataplane/keyset.js'
import type { Page, PageRequest } from '#/dataplane/pages.js'
import type { StoredRecord } from '#/dataplane/records.js'
import type { Hit, Searcher } from '#/dataplane/search.js'

/** Likes and reposts: who interacted with a subject, what an account liked, and an account's own interactions. */

/** An account's like and repost of one subject (URIs of its records). */
export interface Interactions {
  like?: string
  repost?: string
}

const POST_COLLECTION = 'app.bsky.feed.post'

export function getLikesBySubject(search: Searcher, uri: string, page: PageRequest): Promise<Page<StoredRecord>> {
  return recordPage(search, 'likes', [{ term: { subjectUri: uri } }], page)
}

export function getRepostsBySubject(search: Searcher, uri: string, page: PageRequest): Promise<Page<StoredRecord>> {
  return recordPage(search, 'reposts', [{ term: { subjectUri: uri } }], page)
}

/** The account's likes of posts, newest first (likes of feeds and labelers are not feed items). */
export function getActorLikes(search: Searcher, did: string, page: PageRequest): Promise<Page<StoredRecord>> {
  return recordPage(search, 'likes', [{ term: { did } }, { term: { subjectCollection: POST_COLLECTION } }], page)
}

/** Subjects asked about per search: one hit each, within a search's result window. */
const CHUNK = 5_000

/** `actor`'s like and repost of each subject, if any (the newest, should a client have duplicated one). */
export async function getInteractionsBy(search: Searcher, actor: string, subjects: string[]): Promise<Map<string, Interactions>> {
  const unique = [...new Set(subjects)]
  const out = new Map<string, Interactions>()
  for (let i = 0; i < unique.length; i += CHUNK) await interactionsIn(search, actor, unique.slice(i, i + CHUNK), out)
  return out
}

async function interactionsIn(search: Searcher, actor: string, unique: string[], out: Map<string, Interactions>): Promise<void> {
  const body = {
    size: unique.length,
    track_total_hits: false,
    query: live({ term: { did: actor } }, { terms: { subjectUri: unique } }),
    collapse: { field: 'subjectUri' },
    sort: [{ sortAt: 'desc' }],
    _source: ['record.subject'],
  }
  const [likes, reposts] = await search.many([
    { index: 'likes', body },
    { index: 'reposts', body },
  ])
  for (const hit of likes!.hits) set(out, hit, 'like')
  for (const hit of reposts!.hits) set(out, hit, 'repost')
}

function set(out: Map<string, Interactions>, hit: Hit, key: keyof Interactions) {
  const subject = hit._source?.record?.subject?.uri
  if (typeof subject !== 'string') return
  const entry = out.get(subject) ?? {}
  entry[key] ??= hit._id
  out.set(subject, entry)
}
