import { singleIndex } from '#/indexing/route.js'
import type { Page, PageRequest } from '#/dataplane/pages.js'
import type { Hit, Searcher } from '#/dataplane/opensearch-reader.js'
import { pageOfViewer, viewerDocId } from '#/dataplane/viewer-pages.js'

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

const idOf = (viewer: string, subject: string) => viewerDocId(viewer, subject)

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
export function pageBookmarks(search: Searcher, viewer: string, page: PageRequest): Promise<Page<Bookmark>> {
  const item = (hit: Hit): Bookmark => ({ subject: String(hit._source?.subject), subjectCid: String(hit._source?.subjectCid), createdAt: String(hit._source?.createdAt) })
  return pageOfViewer(search, 'bookmarks', viewer, { sort: ['createdAt', 'subject'], source: ['subject', 'subjectCid', 'createdAt'], item }, page)
}
