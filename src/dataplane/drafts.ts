import { singleIndex } from '#/indexing/route.js'
import type { Page, PageRequest } from '#/dataplane/pages.js'
import type { Hit, Searcher } from '#/dataplane/opensearch-reader.js'
import { pageOfViewer, viewerDocId } from '#/dataplane/viewer-pages.js'

/**
 * Drafts: private state Magpie keeps for each account (no repo holds them). One document per
 * (account, draft id) in the `drafts` index, the draft kept as the client sent it (validated
 * against its lexicon by the API, never searched). Every function takes the account whose
 * drafts it reads or writes, and the API only ever passes the authenticated requester.
 */

export interface Draft {
  id: string
  draft: Record<string, unknown>
  createdAt: string
  updatedAt: string
}

const idOf = (viewer: string, draftId: string) => viewerDocId(viewer, draftId)

/** How many drafts the account keeps. */
export async function countDrafts(search: Searcher, viewer: string): Promise<number> {
  const { total } = await search.one({ index: 'drafts', body: { size: 0, track_total_hits: true, query: { term: { viewer } } } })
  return total ?? 0
}

/** Store a new draft under `draftId`; visible to the account's next read. */
export async function createDraft(search: Searcher, viewer: string, draftId: string, draft: Record<string, unknown>): Promise<void> {
  const now = new Date().toISOString()
  await search.client.index({
    index: singleIndex(search.prefix, 'drafts'),
    id: idOf(viewer, draftId),
    op_type: 'create',
    refresh: 'wait_for',
    body: { viewer, draftId, draft, createdAt: now, updatedAt: now },
  })
}

/**
 * Replace a draft's content. A draft the account does not have is left alone (false): an update
 * never creates one, so it cannot get round the limit on drafts.
 */
export async function updateDraft(search: Searcher, viewer: string, draftId: string, draft: Record<string, unknown>): Promise<boolean> {
  const res = await search.client.update(
    {
      index: singleIndex(search.prefix, 'drafts'),
      id: idOf(viewer, draftId),
      refresh: 'wait_for',
      retry_on_conflict: 3,
      // `draft` is an opaque object: set whole, not merged into the old one.
      body: { script: { lang: 'painless', source: 'ctx._source.draft = params.draft; ctx._source.updatedAt = params.now', params: { draft, now: new Date().toISOString() } } },
    },
    { ignore: [404] },
  )
  return res.statusCode !== 404
}

/** Remove a draft (nothing to remove is fine); visible on return. */
export async function deleteDraft(search: Searcher, viewer: string, draftId: string): Promise<void> {
  await search.client.delete({ index: singleIndex(search.prefix, 'drafts'), id: idOf(viewer, draftId), refresh: 'wait_for' }, { ignore: [404] })
}

/** The account's drafts, last updated first. Sort key: [updatedAt, draftId]. */
export function pageDrafts(search: Searcher, viewer: string, page: PageRequest): Promise<Page<Draft>> {
  const item = (hit: Hit): Draft => {
    const s = hit._source ?? {}
    return { id: String(s.draftId), draft: s.draft ?? {}, createdAt: String(s.createdAt), updatedAt: String(s.updatedAt) }
  }
  return pageOfViewer(search, 'drafts', viewer, { sort: ['updatedAt', 'draftId'], source: ['draftId', 'draft', 'createdAt', 'updatedAt'], item }, page)
}
