import type { ComAtprotoLabelDefs } from '@atproto/api'
import type { Searcher } from '#/dataplane/opensearch-reader.js'

/**
 * Labels from labeler services, read from the `labels` index (one document per labeler, subject
 * and value, the newest winning; see src/indexing/label-op.ts). Only labels in force are
 * answered: not negated, not expired, from the labelers asked for.
 */

export type Label = ComAtprotoLabelDefs.Label

/** Most labels one call answers: far more than any page of views carries. */
const MAX_LABELS = 10_000

/** The labels in force at `now` (epoch ms) on each subject (record URI or account DID) from `labelers`, oldest first. */
export async function getLabels(search: Searcher, subjects: string[], labelers: string[], now: number): Promise<Map<string, Label[]>> {
  const out = new Map<string, Label[]>()
  const uris = [...new Set(subjects)]
  if (uris.length === 0 || labelers.length === 0) return out
  const { hits } = await search.one({
    index: 'labels',
    body: {
      size: MAX_LABELS,
      track_total_hits: false,
      query: {
        bool: {
          filter: [
            { terms: { uri: uris } },
            { terms: { src: labelers } },
            { term: { neg: false } },
            { bool: { should: [{ bool: { must_not: { exists: { field: 'exp' } } } }, { range: { exp: { gt: new Date(now).toISOString() } } }], minimum_should_match: 1 } },
          ],
        },
      },
      // A stable order, so answers do not shuffle between requests.
      sort: [{ cts: 'asc' }, { src: 'asc' }, { val: 'asc' }],
      _source: ['label'],
    },
  })
  for (const hit of hits) {
    const label = hit._source?.label as Label | undefined
    if (!label) continue
    const list = out.get(label.uri)
    if (list) list.push(label)
    else out.set(label.uri, [label])
  }
  return out
}
