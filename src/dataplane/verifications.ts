import { live } from '#/dataplane/keyset.js'
import type { Searcher } from '#/dataplane/opensearch-reader.js'

/** An app.bsky.graph.verification record as a profile's verification state needs it. */
export interface VerificationRef {
  uri: string
  issuer: string
  /** The subject's handle and display name when it was verified (a verification holds while they still match). */
  handle?: string
  displayName?: string
  /** When the record was indexed into order (its sortAt), as an ISO time. */
  sortedAt: string
}

/** A search answers at most this many hits: far above any real subjects × verifiers count. */
const MAX_HITS = 10_000

/**
 * Per subject, the live verifications of it issued by `issuers`: at most one per issuer, the
 * newest, as the reference AppView keeps them. Issuers other than those given are never read,
 * so anyone can publish a verification record without it counting.
 */
export async function getVerificationsOf(search: Searcher, subjects: string[], issuers: readonly string[]): Promise<Map<string, VerificationRef[]>> {
  const out = new Map<string, VerificationRef[]>()
  if (subjects.length === 0 || issuers.length === 0) return out
  const { hits } = await search.one({
    index: 'verifications',
    body: {
      size: Math.min(MAX_HITS, subjects.length * issuers.length * 2),
      track_total_hits: false,
      query: live({ terms: { subjectDid: subjects } }, { terms: { did: [...issuers] } }),
      sort: [{ sortAt: 'asc' }, { cid: 'asc' }],
      _source: ['did', 'record.subject', 'record.handle', 'record.displayName'],
    },
  })
  const byPair = new Map<string, VerificationRef & { subject: string }>()
  for (const hit of hits) {
    const source = hit._source ?? {}
    const subject = source.record?.subject
    const issuer = source.did
    const sortAt = hit.sort?.[0]
    if (typeof subject !== 'string' || typeof issuer !== 'string' || typeof sortAt !== 'number') continue
    // Oldest first: a later verification by the same issuer replaces the earlier one.
    byPair.set(`${subject} ${issuer}`, {
      subject,
      uri: hit._id,
      issuer,
      handle: stringOf(source.record?.handle),
      displayName: stringOf(source.record?.displayName),
      sortedAt: new Date(sortAt).toISOString(),
    })
  }
  for (const { subject, ...ref } of byPair.values()) out.set(subject, [...(out.get(subject) ?? []), ref])
  return out
}

const stringOf = (value: unknown) => (typeof value === 'string' ? value : undefined)
