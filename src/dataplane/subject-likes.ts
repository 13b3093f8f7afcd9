import type { RolledCounts } from '#/dataplane/rolled-counts.js'
import { NOT_DELETED, type Searcher } from '#/dataplane/opensearch-reader.js'

/**
 * Likes of records other than posts (feed generators, labeler services): how many each has, and
 * the viewer's own like, read from the `likes` index by subject URI.
 */

/** Likes of each subject URI (exact, through the rollup: rolled-counts.ts). */
export async function getLikeCounts(rolled: RolledCounts, uris: string[]): Promise<Map<string, number>> {
  const counted = await rolled.count(['likes'], uris)
  return new Map([...counted].map(([uri, c]) => [uri, c.likes]))
}

/** The viewer's like of each subject it likes (the newest, should a client have liked twice). */
export async function getLikesBy(search: Searcher, viewer: string, uris: string[]): Promise<Map<string, string>> {
  const subjects = [...new Set(uris)]
  const out = new Map<string, string>()
  if (subjects.length === 0) return out
  const { hits } = await search.one({
    index: 'likes',
    body: {
      size: subjects.length,
      query: { bool: { filter: [{ term: { did: viewer } }, { terms: { subjectUri: subjects } }], must_not: [NOT_DELETED] } },
      collapse: { field: 'subjectUri' },
      sort: [{ sortAt: 'desc' }],
      _source: ['record.subject.uri'],
    },
  })
  for (const hit of hits) {
    const subject = hit._source?.record?.subject?.uri
    if (typeof subject === 'string') out.set(subject, hit._id)
  }
  return out
}
