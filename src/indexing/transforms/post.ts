/**
 * app.bsky.feed.post → `posts`. Besides the text, the document flattens everything reads
 * select posts by: thread position (reply root/parent), who is addressed (mentions, quoted
 * author, parent author) for notifications, and facets for search filters.
 */
import type { RecordFamily, RecordInput, RecordDocument } from '#/indexing/family.js'
import {
  baseDocument, didOfAtUri, isObject, objects, put, strings, strongRef, unique,
} from '#/indexing/transforms/base.js'
import { summarizeEmbed } from '#/indexing/transforms/post-embed.js'
import { CJK_TEXT_FIELDS, postLanguages } from '#/search/languages.js'

export const postFamily: RecordFamily = {
  index: 'posts',
  collection: 'app.bsky.feed.post',
  partitioned: true,
  transform: transformPost,
}

function transformPost(input: RecordInput): RecordDocument {
  const { record } = input
  const doc = baseDocument(input, record.createdAt)
  const langs = unique(strings(record.langs))
  if (typeof record.text === 'string') {
    doc.text = record.text
    // Language analyzers only where they apply: most posts carry no copy for them.
    for (const lang of postLanguages(record.text, langs)) doc[CJK_TEXT_FIELDS[lang]] = record.text
  }
  put(doc, 'langs', langs)

  const facets = readFacets(record.facets)
  const embed = summarizeEmbed(record.embed)
  const links = unique([...facets.links, ...legacyEntityLinks(record.entities), ...embed.links, ...textLinks(record.text)])
  put(doc, 'tags', unique([...facets.tags, ...strings(record.tags)].map(normalizeTag).filter((t) => t !== '')))
  put(doc, 'mentions', unique(facets.mentions))
  put(doc, 'links', links)
  put(doc, 'domains', unique(links.map(domainOf).filter((d) => d !== undefined)))

  const reply = isObject(record.reply) ? record.reply : undefined
  const root = strongRef(reply?.root).uri
  const parent = strongRef(reply?.parent).uri
  put(doc, 'replyRoot', root)
  put(doc, 'replyRootDid', didOfAtUri(root))
  put(doc, 'replyParent', parent)
  put(doc, 'replyParentDid', didOfAtUri(parent))
  doc.isReply = reply !== undefined

  put(doc, 'quotedUri', embed.quotedUri)
  doc.hasMedia = embed.imageCount > 0 || embed.hasVideo
  doc.hasVideo = embed.hasVideo
  doc.imageCount = embed.imageCount
  return doc
}

function readFacets(value: unknown): { mentions: string[], links: string[], tags: string[] } {
  const found = { mentions: [] as string[], links: [] as string[], tags: [] as string[] }
  for (const facet of objects(value)) {
    for (const feature of objects(facet.features)) {
      const { $type } = feature
      if ($type === 'app.bsky.richtext.facet#mention' && typeof feature.did === 'string') {
        found.mentions.push(feature.did)
      } else if ($type === 'app.bsky.richtext.facet#link' && typeof feature.uri === 'string') {
        found.links.push(feature.uri)
      } else if ($type === 'app.bsky.richtext.facet#tag' && typeof feature.tag === 'string') {
        found.tags.push(feature.tag)
      }
    }
  }
  return found
}

/**
 * Links written out in the text. A client makes a link facet only for a URL set off by a space,
 * so one glued to CJK text (`詳しくはhttps://example.com`) has none; it is still a link to
 * whoever reads the post and searches by its domain. It ends at the first character no URL
 * holds unescaped (the CJK text that follows), less trailing punctuation.
 */
function textLinks(text: unknown): string[] {
  if (typeof text !== 'string') return []
  return [...text.matchAll(/https?:\/\/[\x21-\x7e]+/gi)].map((m) => m[0].replace(/[.,;:!?)\]}'"]+$/, ''))
}

// Posts from before facets (late 2022) carry links as `entities`; they are still served.
function legacyEntityLinks(value: unknown): string[] {
  return objects(value)
    .filter((entity) => entity.type === 'link' && typeof entity.value === 'string')
    .map((entity) => entity.value as string)
}

/** `#Atproto`, `atproto` and `＃ATPROTO` are one tag to someone searching for it. */
export function normalizeTag(tag: string): string {
  return tag.replace(/^[#＃]+/u, '').toLowerCase()
}

/** Host of an http(s) link, lower-cased, without a leading `www.`. */
export function domainOf(link: string): string | undefined {
  let url: URL
  try {
    url = new URL(link)
  } catch {
    return undefined
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined
  const host = url.hostname.toLowerCase().replace(/^www\./, '').replace(/\.$/, '')
  return host === '' ? undefined : host
}
