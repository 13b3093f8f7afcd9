import { createHash } from 'node:crypto'
/**
 * The counts Magpie rolls up: each is the number of live documents of a partitioned family whose
 * `field` names the subject (a post URI, a DID). The rollup (rollup.ts) stores them per subject
 * and per settled partition; readers (dataplane/rolled-counts.ts) add the partitions still
 * being written to, counted live.
 */

/** The partitioned families (index-templates/*.json with `"partitioned": true`). */
export type PartitionedFamily = 'likes' | 'reposts' | 'posts' | 'follows'

export interface CountSpec {
  /** Key in the aggregate document, and the name readers ask for. */
  name: CountName
  family: PartitionedFamily
  /** Keyword field naming the subject. */
  field: string
  /**
   * Each subject matches few documents (a post's likes), not tens of thousands (a popular
   * account's followers): decides the terms aggregation's execution (see exactTermsAgg).
   */
  few: boolean
}

export type CountName = 'likes' | 'reposts' | 'replies' | 'quotes' | 'followers' | 'follows' | 'posts' | 'threadReplies'

export const COUNT_SPECS: readonly CountSpec[] = [
  { name: 'likes', family: 'likes', field: 'subjectUri', few: true },
  { name: 'reposts', family: 'reposts', field: 'subjectUri', few: true },
  { name: 'replies', family: 'posts', field: 'replyParent', few: true },
  { name: 'quotes', family: 'posts', field: 'quotedUri', few: true },
  { name: 'followers', family: 'follows', field: 'subjectDid', few: false },
  { name: 'follows', family: 'follows', field: 'did', few: false },
  { name: 'posts', family: 'posts', field: 'did', few: false },
  // Not shown as a count: it tells a thread's reads which months hold replies under its root.
  { name: 'threadReplies', family: 'posts', field: 'replyRoot', few: true },
]

/** The counts of the first rollup: a partition settled without a list of its counts was counted for these. */
export const FIRST_COUNT_NAMES: readonly CountName[] = ['likes', 'reposts', 'replies', 'quotes', 'followers', 'follows', 'posts']

export const COUNT_SPEC = new Map(COUNT_SPECS.map((spec) => [spec.name, spec]))

export const ROLLED_FAMILIES: readonly PartitionedFamily[] = [...new Set(COUNT_SPECS.map((s) => s.family))]

/** Id of the rollup's own state document in the aggregates index. */
export const ROLLUP_STATE_ID = '_rollup'

/**
 * OpenSearch refuses document ids over 512 bytes; a subject that long (a like may name any
 * string) has no aggregate document and is always counted live.
 */
export const MAX_SUBJECT_ID_BYTES = 512

export function fitsAsId(subject: string): boolean {
  return subject.length > 0 && Buffer.byteLength(subject) <= MAX_SUBJECT_ID_BYTES && subject !== ROLLUP_STATE_ID
}

/**
 * The edges the rollup keeps beside the counts (edges.ts): for a follow, like or repost, the
 * pair of its author and subject, so that "does the viewer follow / like / repost these" is one
 * `_mget` of the pairs instead of a search of every settled month.
 */
export interface EdgeSpec {
  family: 'follows' | 'likes' | 'reposts'
  /** First letter of the edge document's id. */
  letter: 'f' | 'l' | 'r'
  /** Keyword field naming the subject (a DID, a record URI). */
  field: string
  /** The records' collection: an edge's record URI is rebuilt from the actor and its record key. */
  collection: string
}

export const EDGE_SPECS: readonly EdgeSpec[] = [
  { family: 'follows', letter: 'f', field: 'subjectDid', collection: 'app.bsky.graph.follow' },
  { family: 'likes', letter: 'l', field: 'subjectUri', collection: 'app.bsky.feed.like' },
  { family: 'reposts', letter: 'r', field: 'subjectUri', collection: 'app.bsky.feed.repost' },
]

export const EDGE_SPEC: ReadonlyMap<PartitionedFamily, EdgeSpec> = new Map(EDGE_SPECS.map((spec) => [spec.family, spec]))

/**
 * The edge document's id for `actor` → `subject`: 96 bits of a SHA-1 of the pair, since ids are
 * most of an edge document's bytes (the pair spelled out: 228 B per edge force-merged, hashed:
 * 103 B) and a subject may be any string. Two pairs share an id with odds of about 1 in 10^9 at
 * 10^10 edges.
 */
export function edgeId(spec: EdgeSpec, actor: string, subject: string): string {
  return createHash('sha1').update(`${spec.letter} ${actor} ${subject}`).digest('base64url').slice(0, 16)
}
