import type { Interactions, KnownLikers, PostCounts, StoredRecord } from '#/dataplane/index.js'

/**
 * What post, feed and thread views read from hydration (part of HydrationState). Maps are
 * keyed by the post's URI unless said otherwise; `null` means looked up and not found.
 */

/** A post as views need it: the record, and what its thread's and quoted post's gates say of it. */
export interface PostInfo extends StoredRecord {
  /**
   * A reply its thread's gate did not allow (the gate existed when it was made, and the author
   * was not among those allowed): shown on its own, but not as part of the thread.
   */
  violatesThreadGate: boolean
  /** Quotes a post whose postgate (in force when this was made) disallows embedding it. */
  violatesEmbeddingRules: boolean
}

/** Blocks between a post's author and the authors of its reply parent, reply root and quoted record. */
export interface PostBlocks {
  parent: boolean
  root: boolean
  embed: boolean
}

export interface PostViewerInfo extends Interactions {
  threadMuted: boolean
  bookmarked: boolean
}

export interface PostHydrationState {
  posts?: Map<string, PostInfo | null>
  postCounts?: Map<string, PostCounts>
  /** The viewer's like and repost of each post, and whether it mutes the post's thread. */
  postViewers?: Map<string, PostViewerInfo>
  postBlocks?: Map<string, PostBlocks>
  /** By threadgate URI (the root post's, with the threadgate collection). */
  threadgates?: Map<string, StoredRecord | null>
  /** By postgate URI. */
  postgates?: Map<string, StoredRecord | null>
  /** Whether an account may reply in a thread, by "<did> <root post URI>" (only where a gate restricts replies). */
  replyAllowed?: Map<string, boolean>
  reposts?: Map<string, StoredRecord | null>
  likes?: Map<string, StoredRecord | null>
  /** A like whose author has a block with the liked post's author (either way). */
  likeBlocks?: Map<string, boolean>
  /** The thread root author's like of each thread post. */
  rootAuthorLikes?: Map<string, string>
  /** Of the posts asked about: which of their likers the viewer follows (the liker profiles are hydrated too). */
  knownLikers?: Map<string, KnownLikers>
}
