/**
 * What a post's embed contributes to its document: the quoted record, media counts and
 * link-card URLs. Nested media (recordWithMedia) counts as the post's own media, since that
 * is what a reader sees.
 */
import { isObject, objects, stringOrUndefined, strongRef } from '#/indexing/transforms/base.js'

export interface EmbedSummary {
  quotedUri?: string
  imageCount: number
  hasVideo: boolean
  links: string[]
}

const EMBED_TYPES: Record<string, string> = {
  'app.bsky.embed.images': 'images',
  'app.bsky.embed.external': 'external',
  'app.bsky.embed.record': 'record',
  'app.bsky.embed.recordWithMedia': 'recordWithMedia',
  'app.bsky.embed.video': 'video',
  'app.bsky.embed.gallery': 'gallery',
}

export function summarizeEmbed(embed: unknown): EmbedSummary {
  const summary: EmbedSummary = { imageCount: 0, hasVideo: false, links: [] }
  if (!isObject(embed) || typeof embed.$type !== 'string') return summary
  // Unknown embed kinds are valid (the union is open) but say nothing we can index.
  const embedType = EMBED_TYPES[embed.$type]
  if (embedType === undefined) return summary
  if (embedType === 'record') {
    summary.quotedUri = strongRef(embed.record).uri
  } else if (embedType === 'recordWithMedia') {
    if (isObject(embed.record)) summary.quotedUri = strongRef(embed.record.record).uri
    addMedia(summary, embed.media)
  } else {
    addMedia(summary, embed)
  }
  return summary
}

function addMedia(summary: EmbedSummary, media: unknown): void {
  if (!isObject(media)) return
  switch (media.$type) {
    case 'app.bsky.embed.images':
      summary.imageCount += objects(media.images).length
      break
    case 'app.bsky.embed.gallery':
      summary.imageCount += objects(media.items).filter((item) => item.$type === 'app.bsky.embed.gallery#image').length
      break
    case 'app.bsky.embed.video':
      summary.hasVideo = true
      break
    case 'app.bsky.embed.external': {
      const uri = isObject(media.external) ? stringOrUndefined(media.external.uri) : undefined
      if (uri !== undefined) summary.links.push(uri)
      break
    }
  }
}
