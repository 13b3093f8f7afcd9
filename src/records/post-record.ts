/**
 * What a post record says about the records around it: the posts it replies to, the accounts it
 * mentions, the record it embeds. Pure readers of its lexicon JSON, shared by the data plane
 * (thread walks), hydration (what to fetch), the rules and the views.
 */

/** What the readers of records look at: the lexicon JSON (a StoredRecord is one). */
export interface WithRecord {
  record: Record<string, unknown>
}

export function replyParentOf(record: WithRecord | undefined): string | undefined {
  const parent = (record?.record.reply as { parent?: { uri?: unknown } } | undefined)?.parent?.uri
  return typeof parent === 'string' ? parent : undefined
}

export function replyRootOf(record: WithRecord | undefined): string | undefined {
  const root = (record?.record.reply as { root?: { uri?: unknown } } | undefined)?.root?.uri
  return typeof root === 'string' ? root : undefined
}

/** Accounts a post mentions in its facets. */
export function mentionedDids(post: WithRecord | null | undefined): Set<string> {
  const out = new Set<string>()
  const facets = post?.record.facets
  if (!Array.isArray(facets)) return out
  for (const facet of facets) {
    const features = (facet as { features?: unknown })?.features
    if (!Array.isArray(features)) continue
    for (const feature of features) {
      const f = feature as { $type?: unknown; did?: unknown }
      if (f?.$type === 'app.bsky.richtext.facet#mention' && typeof f.did === 'string') out.add(f.did)
    }
  }
  return out
}

/** The record a post embeds (record or record-with-media), by URI. */
export function embeddedRecordUri(post: WithRecord | null | undefined): string | undefined {
  const embed = post?.record.embed as { $type?: unknown; record?: { uri?: unknown; record?: { uri?: unknown } } } | undefined
  const uri =
    embed?.$type === 'app.bsky.embed.record'
      ? embed.record?.uri
      : embed?.$type === 'app.bsky.embed.recordWithMedia'
        ? embed.record?.record?.uri
        : undefined
  return typeof uri === 'string' && uri.startsWith('at://') ? uri : undefined
}
