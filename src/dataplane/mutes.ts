import { viewerDocId } from '#/dataplane/viewer-pages.js'
import { singleIndex } from '#/indexing/route.js'
import { NOT_DELETED, type Hit, type SearchRequest, type Searcher } from '#/dataplane/opensearch-reader.js'
import type { Page, PageRequest } from '#/dataplane/pages.js'

/**
 * Mutes: private state Magpie keeps for each account (unlike follows and blocks, no repo holds
 * them). One document per (viewer, kind, subject) in the `mutes` index. Every function here
 * takes the viewer whose mutes it reads or writes, and the API only ever passes the
 * authenticated requester: nobody reads another account's mutes.
 */

export type MuteKind = 'actor' | 'list' | 'thread'

/** An account mute's scope: both false is a full mute. */
export interface MuteScope {
  onlyReposts: boolean
  onlyQuoteposts: boolean
}

/** How the viewer mutes one account. */
export interface ActorMuteState {
  /** A direct mute (scoped when only the account's reposts or quote posts are muted). */
  direct?: MuteScope
  /** Lists the viewer mutes that have the account on them, oldest membership first. */
  byLists?: string[]
}

/** List mutes read per viewer: more than this is not a person. */
const MAX_LIST_MUTES = 1000

/** One id per (viewer, kind, subject). */
function muteId(viewer: string, kind: MuteKind, subject: string): string {
  return viewerDocId(viewer, kind, subject)
}

const ofViewer = (viewer: string, kind: MuteKind, ...filter: object[]) => ({
  bool: { filter: [{ term: { viewer } }, { term: { kind } }, ...filter] },
})

/**
 * Add or update a mute. A repeated mute keeps its creation time and replaces the scope, as the
 * lexicon says. Returns once the mute is visible to searches, so the requester's next read sees it.
 */
export async function putMute(search: Searcher, viewer: string, kind: MuteKind, subject: string, scope?: MuteScope): Promise<void> {
  const now = new Date().toISOString()
  const fields = { onlyReposts: scope?.onlyReposts ?? false, onlyQuoteposts: scope?.onlyQuoteposts ?? false, updatedAt: now }
  await search.client.update({
    index: singleIndex(search.prefix, 'mutes'),
    id: muteId(viewer, kind, subject),
    refresh: 'wait_for',
    retry_on_conflict: 3,
    body: { doc: fields, upsert: { viewer, kind, subject, createdAt: now, ...fields } },
  })
}

/** Remove a mute (nothing to remove is fine); visible to searches on return. */
export async function deleteMute(search: Searcher, viewer: string, kind: MuteKind, subject: string): Promise<void> {
  await search.client.delete(
    { index: singleIndex(search.prefix, 'mutes'), id: muteId(viewer, kind, subject), refresh: 'wait_for' },
    { ignore: [404] },
  )
}

function mutesOfRequest(viewer: string, kind: MuteKind, subjects: string[]): SearchRequest {
  return {
    index: 'mutes',
    body: { size: subjects.length, query: ofViewer(viewer, kind, { terms: { subject: subjects } }), _source: ['subject', 'onlyReposts', 'onlyQuoteposts'] },
  }
}

function scopesOf(hits: Hit[]): Map<string, MuteScope> {
  const out = new Map<string, MuteScope>()
  for (const hit of hits) {
    const s = hit._source ?? {}
    if (typeof s.subject === 'string') out.set(s.subject, { onlyReposts: s.onlyReposts === true, onlyQuoteposts: s.onlyQuoteposts === true })
  }
  return out
}

const mutedListsRequest = (viewer: string): SearchRequest => ({
  index: 'mutes',
  body: { size: MAX_LIST_MUTES, query: ofViewer(viewer, 'list'), _source: ['subject'], sort: [{ createdAt: 'desc' }] },
})

const subjectsOf = (hits: Hit[]) => hits.map((hit) => hit._source?.subject).filter((s): s is string => typeof s === 'string')

/** Of `subjects`, those the viewer mutes as `kind` (with the scope, for accounts). */
export async function getMutesOf(search: Searcher, viewer: string, kind: MuteKind, subjects: string[]): Promise<Map<string, MuteScope>> {
  const wanted = [...new Set(subjects)]
  if (wanted.length === 0) return new Map()
  return scopesOf((await search.one(mutesOfRequest(viewer, kind, wanted))).hits)
}

/**
 * Everything the viewer mutes as `kind`, when that is at most `max` subjects; undefined when
 * there are more (then ask about the subjects at hand with getMutesOf). A page can then check
 * subjects it learns of only later without another round trip.
 */
export async function getMutedSubjects(search: Searcher, viewer: string, kind: MuteKind, max: number): Promise<Set<string> | undefined> {
  const { hits } = await search.one({ index: 'mutes', body: { size: max + 1, query: ofViewer(viewer, kind), _source: ['subject'] } })
  return hits.length > max ? undefined : new Set(subjectsOf(hits))
}

/** Every list the viewer mutes (bounded), newest mute first. */
export async function getMutedListUris(search: Searcher, viewer: string): Promise<string[]> {
  return subjectsOf((await search.one(mutedListsRequest(viewer))).hits)
}

/**
 * The viewer's mutes of each account: direct (with scope) and through a muted list that has the
 * account on it. Accounts the viewer does not mute are absent.
 */
export async function getActorMuteStates(search: Searcher, viewer: string, dids: string[]): Promise<Map<string, ActorMuteState>> {
  const targets = [...new Set(dids)].filter((did) => did !== viewer)
  const out = new Map<string, ActorMuteState>()
  if (targets.length === 0) return out
  const [direct, muted] = await search.many([mutesOfRequest(viewer, 'actor', targets), mutedListsRequest(viewer)])
  for (const [did, scope] of scopesOf(direct!.hits)) out.set(did, { direct: scope })
  const lists = subjectsOf(muted!.hits)
  if (lists.length === 0) return out
  const { hits } = await search.one({
    index: 'listitems',
    body: {
      size: 10_000,
      query: { bool: { filter: [{ terms: { listUri: lists } }, { terms: { subjectDid: targets } }], must_not: [NOT_DELETED] } },
      _source: ['record.list', 'record.subject'],
      // The oldest membership first, so the list a view names is stable from one request to the next.
      sort: [{ sortAt: 'asc' }],
    },
  })
  for (const hit of hits) {
    const subject = hit._source?.record?.subject
    const list = hit._source?.record?.list
    if (typeof subject !== 'string' || typeof list !== 'string') continue
    const state = out.get(subject) ?? {}
    state.byLists = [...(state.byLists ?? []), list]
    out.set(subject, state)
  }
  return out
}

/**
 * A page of the accounts the viewer fully mutes (scoped mutes are not listed, as the reference
 * AppView does), newest mute first. Sort key: [createdAt, subject].
 */
export async function pageMutedActors(search: Searcher, viewer: string, page: PageRequest): Promise<Page<string>> {
  const { hits } = await search.one({
    index: 'mutes',
    body: {
      size: page.limit + 1,
      track_total_hits: false,
      query: ofViewer(viewer, 'actor', { term: { onlyReposts: false } }, { term: { onlyQuoteposts: false } }),
      sort: [{ createdAt: 'desc' }, { subject: 'desc' }],
      _source: ['subject'],
      ...(page.after ? { search_after: page.after } : {}),
    },
  })
  const items = hits.slice(0, page.limit)
  return {
    items: items.map((hit) => String(hit._source?.subject)),
    next: hits.length > page.limit ? (items.at(-1)?.sort as Page<string>['next']) : undefined,
  }
}
