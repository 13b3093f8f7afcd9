import { live } from '#/dataplane/keyset.js'
import type { Searcher } from '#/dataplane/opensearch-reader.js'

/**
 * A thread's "OP thread": the line of replies its author wrote under the root post, each the
 * author's oldest reply to the one before (the root first). Thread views mark those posts and
 * keep each one first beneath its parent.
 */

/** Beyond this many replies by the root's author a thread's OP line is not looked for further. */
const MAX_OP_REPLIES = 10_000

export interface OpReply {
  uri: string
  parent: string
}

/**
 * The OP line of the thread rooted at `rootUri` (see resolveOpThread); `partitions`: the posts
 * partitions that can hold replies under that root (undefined: all).
 */
export async function getOpThread(search: Searcher, rootUri: string, partitions?: string[]): Promise<string[] | undefined> {
  return resolveOpThread(rootUri, await getOpReplies(search, rootUri, partitions))
}

/** The root author's live replies anywhere under the root. */
async function getOpReplies(search: Searcher, rootUri: string, partitions: string[] | undefined): Promise<OpReply[]> {
  const rootAuthor = rootUri.slice('at://'.length).split('/')[0] ?? ''
  const { hits } = await search.one({
    index: 'posts',
    partitions,
    body: {
      size: MAX_OP_REPLIES,
      track_total_hits: false,
      query: live({ term: { replyRoot: rootUri } }, { term: { did: rootAuthor } }),
      _source: ['record.reply.parent.uri'],
    },
  })
  return hits.flatMap((hit) => {
    const parent = hit._source?.record?.reply?.parent?.uri
    return typeof parent === 'string' ? [{ uri: hit._id, parent }] : []
  })
}

/**
 * The OP line from the root through the author's replies, or undefined when the author has not
 * replied under the root (a line of one is no thread) or the replies loop. "Oldest" is by record
 * key: the keys are TIDs, so sorting the URIs of one repo's posts sorts them by creation time.
 */
export function resolveOpThread(rootUri: string, replies: OpReply[]): string[] | undefined {
  const byParent = new Map<string, string[]>()
  for (const { uri, parent } of replies) byParent.set(parent, [...(byParent.get(parent) ?? []), uri])
  const line = [rootUri]
  const seen = new Set(line)
  for (let next = oldest(byParent.get(rootUri)); next; next = oldest(byParent.get(next))) {
    // A loop of forged reply references is no thread.
    if (seen.has(next)) return undefined
    seen.add(next)
    line.push(next)
  }
  return line.length > 1 ? line : undefined
}

function oldest(uris: string[] | undefined): string | undefined {
  return uris ? [...uris].sort()[0] : undefined
}
