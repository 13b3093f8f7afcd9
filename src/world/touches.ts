/**
 * Which accounts a record names, for the collections whose records an outsider can aim at the
 * world: likes and reposts (of a post), follows, blocks and list items (of an account), posts
 * (replies, quotes, mentions). Pure: it reads the decoded record only, and is lenient about
 * shape — a malformed record names no one (it is then simply not kept for an outsider).
 */

/** Collections whose records can touch the world; an outsider's records of any other are never kept. */
export const TOUCHING_COLLECTIONS: ReadonlySet<string> = new Set([
  'app.bsky.feed.like',
  'app.bsky.feed.repost',
  'app.bsky.feed.post',
  'app.bsky.graph.follow',
  'app.bsky.graph.block',
  'app.bsky.graph.listitem',
])

export function touchedDids(collection: string, record: Record<string, unknown>): string[] {
  switch (collection) {
    case 'app.bsky.feed.like':
    case 'app.bsky.feed.repost':
      return didsOf([uriOf(record.subject)])
    case 'app.bsky.graph.follow':
    case 'app.bsky.graph.block':
    case 'app.bsky.graph.listitem':
      return typeof record.subject === 'string' && record.subject.startsWith('did:') ? [record.subject] : []
    case 'app.bsky.feed.post':
      return didsOf([...replyUris(record.reply), ...quotedUris(record.embed)]).concat(mentionedDids(record.facets))
    default:
      return []
  }
}

function uriOf(ref: unknown): string | undefined {
  return isObject(ref) && typeof ref.uri === 'string' ? ref.uri : undefined
}

function replyUris(reply: unknown): (string | undefined)[] {
  return isObject(reply) ? [uriOf(reply.parent), uriOf(reply.root)] : []
}

/** app.bsky.embed.record holds `record: {uri}`; recordWithMedia holds `record: {record: {uri}}`. */
function quotedUris(embed: unknown): (string | undefined)[] {
  if (!isObject(embed) || !isObject(embed.record)) return []
  const inner = embed.record
  return [uriOf(inner), isObject(inner.record) ? uriOf(inner.record) : undefined]
}

function mentionedDids(facets: unknown): string[] {
  if (!Array.isArray(facets)) return []
  const out: string[] = []
  for (const facet of facets) {
    if (!isObject(facet) || !Array.isArray(facet.features)) continue
    for (const f of facet.features) if (isObject(f) && typeof f.did === 'string' && f.did.startsWith('did:')) out.push(f.did)
  }
  return out
}

/** The authority of each `at://did/...` URI. */
function didsOf(uris: (string | undefined)[]): string[] {
  const out: string[] = []
  for (const uri of uris) {
    if (!uri?.startsWith('at://did:')) continue
    const end = uri.indexOf('/', 5)
    out.push(end < 0 ? uri.slice(5) : uri.slice(5, end))
  }
  return out
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
