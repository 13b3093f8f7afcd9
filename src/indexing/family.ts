/**
 * The contract every record family implements: which collection it owns, where its
 * documents live, and how a record becomes a document. Transforms are pure: same input,
 * same document, no I/O, so they can be fixture-tested row by row.
 */

/** What a transform needs to know about one record. */
export interface RecordInput {
  /** Repo DID (the author). */
  did: string
  collection: string
  rkey: string
  /** CID of the record block, as a base32 string. */
  cid: string
  /**
   * The record in lexicon JSON form (`$link` for CIDs, `$bytes` for bytes, blobs as
   * `{ $type: 'blob', ref: { $link }, mimeType, size }`), already validated against its lexicon.
   */
  record: Record<string, unknown>
  /** When Magpie first saw this version of the record (ISO 8601). */
  indexedAt: string
}

/** A document as written to OpenSearch (the `_source`, before `_source.excludes`). */
export type RecordDocument = Record<string, unknown>

export interface RecordFamily {
  /** Index base name, without prefix or partition (e.g. `posts`). */
  readonly index: string
  /** The collection NSID this family owns (e.g. `app.bsky.feed.post`). */
  readonly collection: string
  /** Monthly partitions by the TID rkey's time (high-volume families), or one index. */
  readonly partitioned: boolean
  transform(input: RecordInput): RecordDocument
}
