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
  /**
   * When the repo commit that created the record was made, as the firehose reported it: known
   * for a create seen live (or replayed from a cursor), not for an update nor a backfilled record
   * (a repo's records carry no time of their own).
   */
  createdInCommitAt?: string
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
  /**
   * For a family whose deletion is news to someone (a withdrawn verification): given the live
   * document the delete removes, what its tombstone keeps and the notice that announces the
   * deletion (`deletedAt` is the delete's commit time as the firehose reported it, or when Magpie
   * saw it if that is earlier or unknown). The firehose does not carry deleted records, so
   * each delete costs a read (ingest/deleted-records.ts): only for rare families.
   */
  onDelete?(deleted: RecordDocument, deletedAt: string): DeletionNews | undefined
}

/** What a deletion leaves behind in the index when it is news (see RecordFamily.onDelete). */
export interface DeletionNews {
  /** Fields the tombstone keeps. */
  kept: RecordDocument
  /** The announcement, a document of its own beside the tombstone. */
  notice: RecordDocument
}
