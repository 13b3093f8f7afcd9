import type { ComAtprotoLabelDefs } from '@atproto/api'
import { normalizeDatetimeAlways } from '@atproto/syntax'
import type { StoredRecord } from '#/dataplane/index.js'
import type { HydrationState } from '#/hydration/state.js'

/**
 * Self-labels: values an author put in their own record (`labels: { $type: …#selfLabels }`),
 * served as labels whose source is the author, dated by the record's claimed creation time.
 */
export function selfLabels(record: StoredRecord | undefined): ComAtprotoLabelDefs.Label[] {
  if (!record) return []
  const labels = record.record.labels as { $type?: unknown; values?: unknown } | undefined
  if (!labels || labels.$type !== 'com.atproto.label.defs#selfLabels' || !Array.isArray(labels.values)) return []
  const claimed = record.record.createdAt
  const cts = typeof claimed === 'string' ? normalizeDatetimeAlways(claimed) : new Date(0).toISOString()
  return labels.values
    .filter((label): label is { val: string } => typeof label?.val === 'string')
    .map(({ val }) => ({ src: record.did, uri: record.uri, cid: record.cid, val, cts }))
}

/** Labels from labeler services on a subject (record URI or account DID), as hydrated for the request. */
export function labelsOn(subject: string, state: HydrationState): ComAtprotoLabelDefs.Label[] {
  return state.labels?.get(subject)?.labels ?? []
}
