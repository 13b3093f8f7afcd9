import { bucketCounts, exactTermsAgg, NOT_DELETED, type Searcher } from '#/dataplane/search.js'

/**
 * Likes of records other than posts (feed generators, labeler services): how many each has, and
 * the viewer's own like, read from the `likes` index by subject URI.
 */

/** Likes of each subject URI (exact: a terms aggregation that names them all). */
export async function getLikeCounts(search: Searcher, uris: string[]): Promise<Map<string, number>> {
  const subjects = [...new Set(uris)]
  if (subjects.length === 0) return new Map()
  const { aggregations } = await search.one({
    index: 'likes',
    body: {
      size: 0,
      track_total_hits: false,
      query: { bool: { filter: [{ terms: { subjectUri: subjects } }], must_not: [NOT_DELETED] } },
      aggs: { by: exactTermsAgg('subjectUri', subjects) },
    },
  })
  const counts = bucketCounts(aggregations?.by)
  return new Map(subjects.map((uri) => [uri, counts.get(uri) ?? 0]))
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
