/**
 * What a post's embed contributes to its document: the embed kind, the quoted record,
 * media counts, alt text and link-card URLs. Nested media (recordWithMedia) counts as the
 * post's own media, since that is what a reader sees.
 */
import { isObject, objects, stringOrUndefined, strongRef, type Json } from '#/indexing/transforms/base.js'

export interface EmbedSummary {
  embedType?: string
  quotedUri?: string
  imageCount: number
  hasVideo: boolean
  alt: string[]
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
  const summary: EmbedSummary = { imageCount: 0, hasVideo: false, alt: [], links: [] }
  if (!isObject(embed) || typeof embed.$type !== 'string') return summary
  // Unknown embed kinds are valid (the union is open) but say nothing we can index.
  const embedType = EMBED_TYPES[embed.$type]
  if (embedType === undefined) return summary
  summary.embedType = embedType
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
      addImages(summary, objects(media.images))
      break
    case 'app.bsky.embed.gallery':
      addImages(summary, objects(media.items).filter((item) => item.$type === 'app.bsky.embed.gallery#image'))
      break
    case 'app.bsky.embed.video':
      summary.hasVideo = true
      addAlt(summary, media.alt)
      break
    case 'app.bsky.embed.external': {
      const uri = isObject(media.external) ? stringOrUndefined(media.external.uri) : undefined
      if (uri !== undefined) summary.links.push(uri)
      break
    }
  }
}

function addImages(summary: EmbedSummary, images: Json[]): void {
  summary.imageCount += images.length
  for (const image of images) addAlt(summary, image.alt)
}

function addAlt(summary: EmbedSummary, alt: unknown): void {
  // Empty alt is the norm for undescribed images; it is not searchable text.
  if (typeof alt === 'string' && alt !== '') summary.alt.push(alt)
}
