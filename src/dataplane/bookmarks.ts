import { createHash } from 'node:crypto'
import { singleIndex } from '#/indexing/route.js'
import type { Page, PageRequest } from '#/dataplane/pages.js'
import type { Searcher } from '#/dataplane/search.js'

/**
 * Bookmarks: private state Magpie keeps for each account (no repo holds them). One document per
 * (viewer, post) in the `bookmarks` index. Listings and "did I bookmark it" take the viewer whose
 * bookmarks they read, and the API only ever passes the authenticated requester; only the count
 * per post is public, as in the reference AppView.
 */

export interface Bookmark {
  subject: string
  subjectCid: string
  /** When the bookmark was made. */
  createdAt: string
}

const idOf = (viewer: string, subject: string) => createHash('sha256').update(`${viewer}\n${subject}`).digest('base64url')

/** Bookmark a post; bookmarking it again keeps the first bookmark. Visible to searches on return. */
export async function putBookmark(search: Searcher, viewer: string, subject: string, subjectCid: string): Promise<void> {
  await search.client.index(
    {
      index: singleIndex(search.prefix, 'bookmarks'),
      id: idOf(viewer, subject),
      op_type: 'create',
      refresh: 'wait_for',
      body: { viewer, subject, subjectCid, createdAt: new Date().toISOString() },
    },
    { ignore: [409] },
  )
}

/** Remove a bookmark (nothing to remove is fine); visible to searches on return. */
export async function deleteBookmark(search: Searcher, viewer: string, subject: string): Promise<void> {
  await search.client.delete({ index: singleIndex(search.prefix, 'bookmarks'), id: idOf(viewer, subject), refresh: 'wait_for' }, { ignore: [404] })
}

/** Of `subjects`, those the viewer bookmarked. */
export async function getBookmarkedBy(search: Searcher, viewer: string, subjects: string[]): Promise<Set<string>> {
  const wanted = [...new Set(subjects)]
  if (wanted.length === 0) return new Set()
  const { hits } = await search.one({
    index: 'bookmarks',
    body: { size: wanted.length, query: { bool: { filter: [{ term: { viewer } }, { terms: { subject: wanted } }] } }, _source: ['subject'] },
  })
  return new Set(hits.map((hit) => String(hit._source?.subject)))
}

/** The viewer's bookmarks, newest first. Sort key: [createdAt, subject]. */
export async function pageBookmarks(search: Searcher, viewer: string, page: PageRequest): Promise<Page<Bookmark>> {
  const { hits } = await search.one({
    index: 'bookmarks',
    body: {
      size: page.limit + 1,
      track_total_hits: false,
      query: { term: { viewer } },
      sort: [{ createdAt: 'desc' }, { subject: 'desc' }],
      _source: ['subject', 'subjectCid', 'createdAt'],
      ...(page.after ? { search_after: page.after } : {}),
    },
  })
  const items = hits.slice(0, page.limit)
  return {
    items: items.map((hit) => ({ subject: String(hit._source?.subject), subjectCid: String(hit._source?.subjectCid), createdAt: String(hit._source?.createdAt) })),
    next: hits.length > page.limit ? (items.at(-1)?.sort as Page<Bookmark>['next']) : undefined,
  }
}
