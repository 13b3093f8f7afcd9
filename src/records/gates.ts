import { didOfUri } from '#/records/at-uri.js'
import type { WithRecord } from '#/records/post-record.js'

/**
 * What threadgates and postgates say, read from their records: who may reply in a thread, and
 * who may quote a post. Pure functions over records; hydration gathers the graph facts they ask
 * about (follows, list membership) and the views and rules apply them.
 */

const POST = 'app.bsky.feed.post'

/** A thread's reply rules, when its gate restricts replies. */
export interface ReplyRestriction {
  /** The thread's author: always allowed. */
  owner: string
  /** Accounts mentioned in the root post may reply. */
  mention: boolean
  /** Accounts following the owner may reply. */
  follower: boolean
  /** Accounts the owner follows may reply. */
  following: boolean
  /** Members of these lists may reply. */
  lists: string[]
  /** When the gate came to be: replies made before it are not held to it. */
  since: string
}

/** A post's threadgate URI (same repo and rkey, threadgate collection). */
export function threadgateUriOf(postUri: string): string {
  return swapCollection(postUri, 'app.bsky.feed.threadgate')
}

/** A post's postgate URI. */
export function postgateUriOf(postUri: string): string {
  return swapCollection(postUri, 'app.bsky.feed.postgate')
}

/**
 * The reply rules of the thread rooted at `rootUri`, or undefined when anyone may reply. An
 * absent `allow` lets everyone reply; an empty one, no one but the author.
 */
export function replyRestriction(rootUri: string, gate: (WithRecord & { sortedAt: string }) | null | undefined): ReplyRestriction | undefined {
  const allow = gate?.record.allow
  if (!gate || !Array.isArray(allow)) return undefined
  const types = allow.map((rule) => (rule as { $type?: unknown })?.$type)
  return {
    owner: didOfUri(rootUri),
    mention: types.includes('app.bsky.feed.threadgate#mentionRule'),
    follower: types.includes('app.bsky.feed.threadgate#followerRule'),
    following: types.includes('app.bsky.feed.threadgate#followingRule'),
    lists: allow.flatMap((rule) => {
      const r = rule as { $type?: unknown; list?: unknown }
      return r?.$type === 'app.bsky.feed.threadgate#listRule' && typeof r.list === 'string' ? [r.list] : []
    }),
    since: gate.sortedAt,
  }
}

/** Replies the thread's owner hid with its threadgate. */
export function hiddenRepliesOf(threadgate: WithRecord | null | undefined): Set<string> {
  const uris = threadgate?.record.hiddenReplies
  return new Set(Array.isArray(uris) ? uris.filter((u): u is string => typeof u === 'string') : [])
}

/** The postgate forbids others to quote the post. */
export function embeddingDisabledBy(postgate: WithRecord | null | undefined): boolean {
  const rules = postgate?.record.embeddingRules
  return Array.isArray(rules) && rules.some((rule) => (rule as { $type?: unknown })?.$type === 'app.bsky.feed.postgate#disableRule')
}

/** The quoting posts the post's author detached from it. */
export function detachedQuotes(postgate: WithRecord | null | undefined): string[] {
  const uris = postgate?.record.detachedEmbeddingUris
  return Array.isArray(uris) ? uris.filter((u): u is string => typeof u === 'string') : []
}

function swapCollection(uri: string, collection: string): string {
  const [did, from, rkey] = uri.slice('at://'.length).split('/')
  // Not a post URI: left as is, so the lookup finds nothing.
  return from === POST && did && rkey ? `at://${did}/${collection}/${rkey}` : uri
}
