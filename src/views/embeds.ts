import type {
  $Typed,
  AppBskyEmbedGallery,
  AppBskyEmbedImages,
  AppBskyEmbedRecord,
  AppBskyEmbedRecordWithMedia,
  AppBskyEmbedVideo,
  AppBskyFeedDefs,
} from '@atproto/api'
import type { HydrationState } from '#/hydration/state.js'
import { viewerBlockExists } from '#/rules/actors.js'
import { collectionOfUri, didOfUri } from '#/records/at-uri.js'
import { detachedQuotes, postgateUriOf } from '#/records/gates.js'
import { generatorView } from '#/views/feedgens.js'
import { blobCid, imageUrl } from '#/views/images.js'
import { labelerView } from '#/views/labelers.js'
import { listView } from '#/views/lists.js'
import { blockedProfileViewer } from '#/views/post-refs.js'
import { starterPackViewBasic } from '#/views/starterpacks.js'
import { externalEmbedView } from '#/views/actor-status.js'
import { DEFAULT_VIDEO_CDN_URL, videoUrlBuilder } from '#/views/videos.js'

/**
 * Embed views of a post (app.bsky.embed.*#view): media straight from the record, quoted
 * records as their own views — or as not found, blocked (a block between the viewer and the
 * quoted author, or between the two authors) or detached (by the quoted post's author).
 */

export type EmbedView = NonNullable<AppBskyFeedDefs.PostView['embed']>
type RecordEmbedView = AppBskyEmbedRecord.View['record']

/** The post view of `uri` at nesting `depth`, given by posts.ts (a cycle of imports otherwise). */
export type PostViewAt = (uri: string, state: HydrationState, depth: number) => AppBskyFeedDefs.PostView | undefined

/** Galleries are cut at the soft limit clients enforce (the lexicon allows 20), as the reference AppView does. */
const GALLERY_SOFT_LIMIT = 10
const defaultVideos = videoUrlBuilder(DEFAULT_VIDEO_CDN_URL)

export function embedView(postUri: string, embed: unknown, state: HydrationState, depth: number, postView: PostViewAt): EmbedView | undefined {
  const type = (embed as { $type?: unknown } | undefined)?.$type
  const did = didOfUri(postUri)
  switch (type) {
    case 'app.bsky.embed.record':
      return { ...recordEmbed(postUri, embed, state, depth, postView), $type: 'app.bsky.embed.record#view' }
    case 'app.bsky.embed.recordWithMedia':
      return recordWithMediaEmbed(postUri, embed as { record?: unknown; media?: unknown }, state, depth, postView)
    default:
      return mediaEmbed(did, embed, state)
  }
}

function mediaEmbed(did: string, embed: unknown, state: HydrationState) {
  switch ((embed as { $type?: unknown } | undefined)?.$type) {
    case 'app.bsky.embed.images':
      return imagesEmbed(did, embed as { images?: unknown }, state)
    case 'app.bsky.embed.video':
      return videoEmbed(did, embed as Record<string, unknown>, state)
    case 'app.bsky.embed.gallery':
      return galleryEmbed(did, embed as { items?: unknown }, state)
    case 'app.bsky.embed.external':
      return externalEmbedView(did, embed, state)
    default:
      return undefined
  }
}

function imagesEmbed(did: string, embed: { images?: unknown }, state: HydrationState): $Typed<AppBskyEmbedImages.View> {
  const images = Array.isArray(embed.images) ? (embed.images as Record<string, unknown>[]) : []
  return {
    $type: 'app.bsky.embed.images#view',
    images: images.map((img) => ({
      thumb: imageUrl(state.ctx.images, 'feed_thumbnail', did, img.image) ?? '',
      fullsize: imageUrl(state.ctx.images, 'feed_fullsize', did, img.image) ?? '',
      alt: typeof img.alt === 'string' ? img.alt : '',
      aspectRatio: img.aspectRatio as AppBskyEmbedImages.ViewImage['aspectRatio'],
    })),
  }
}

function videoEmbed(did: string, embed: Record<string, unknown>, state: HydrationState): $Typed<AppBskyEmbedVideo.View> {
  const cid = blobCid(embed.video) ?? ''
  const videos = state.ctx.videos ?? defaultVideos
  return {
    $type: 'app.bsky.embed.video#view',
    cid,
    playlist: videos.playlist(did, cid),
    thumbnail: videos.thumbnail(did, cid),
    alt: typeof embed.alt === 'string' ? embed.alt : undefined,
    aspectRatio: embed.aspectRatio as AppBskyEmbedVideo.View['aspectRatio'],
    presentation: typeof embed.presentation === 'string' ? embed.presentation : undefined,
  }
}

function galleryEmbed(did: string, embed: { items?: unknown }, state: HydrationState): $Typed<AppBskyEmbedGallery.View> {
  const items = Array.isArray(embed.items) ? (embed.items as Record<string, unknown>[]) : []
  return {
    $type: 'app.bsky.embed.gallery#view',
    items: items.slice(0, GALLERY_SOFT_LIMIT).flatMap((item) =>
      item.$type === 'app.bsky.embed.gallery#image'
        ? [
            {
              $type: 'app.bsky.embed.gallery#viewImage' as const,
              thumbnail: imageUrl(state.ctx.images, 'feed_thumbnail', did, item.image) ?? '',
              fullsize: imageUrl(state.ctx.images, 'feed_fullsize', did, item.image) ?? '',
              alt: typeof item.alt === 'string' ? item.alt : '',
              aspectRatio: item.aspectRatio as AppBskyEmbedGallery.ViewImage['aspectRatio'],
            },
          ]
        : [],
    ),
  }
}

function recordWithMediaEmbed(
  postUri: string,
  embed: { record?: unknown; media?: unknown },
  state: HydrationState,
  depth: number,
  postView: PostViewAt,
): $Typed<AppBskyEmbedRecordWithMedia.View> | undefined {
  const media = mediaEmbed(didOfUri(postUri), embed.media, state)
  if (!media) return undefined
  // The record part names its type only when it stands in for the record (see recordEmbed).
  return { $type: 'app.bsky.embed.recordWithMedia#view', media, record: recordEmbed(postUri, embed.record, state, depth, postView) }
}

/**
 * The quoted record's view, as app.bsky.embed.record#view. Its `$type` is set on the stand-ins
 * (blocked, detached, not found) and left to the caller otherwise: inside a record-with-media
 * view the reference AppView types only the stand-ins, and clients see exactly that.
 */
function recordEmbed(postUri: string, embed: unknown, state: HydrationState, depth: number, postView: PostViewAt): AppBskyEmbedRecord.View {
  const uri = String((embed as { record?: { uri?: unknown } } | undefined)?.record?.uri ?? '')
  const did = didOfUri(uri)
  if (viewerBlockExists(did, state) || state.postBlocks?.get(postUri)?.embed) {
    return standIn({ $type: 'app.bsky.embed.record#viewBlocked', uri, blocked: true, author: { did, viewer: blockedProfileViewer(did, state) } })
  }
  if (state.posts?.get(postUri)?.violatesEmbeddingRules) return detached(uri)
  const notFound = standIn({ $type: 'app.bsky.embed.record#viewNotFound', uri, notFound: true })
  switch (collectionOfUri(uri)) {
    case 'app.bsky.feed.post': {
      const view = viewRecord(uri, state, depth, postView)
      if (!view) return notFound
      if (detachedQuotes(state.postgates?.get(postgateUriOf(uri))).includes(postUri)) return detached(uri)
      return { record: view }
    }
    case 'app.bsky.feed.generator': {
      const view = generatorView(uri, state)
      return view ? { record: { $type: 'app.bsky.feed.defs#generatorView', ...view } } : notFound
    }
    case 'app.bsky.graph.list': {
      const view = listView(uri, state)
      return view ? { record: { $type: 'app.bsky.graph.defs#listView', ...view } } : notFound
    }
    case 'app.bsky.labeler.service': {
      const view = labelerView(did, state)
      return view ? { record: { $type: 'app.bsky.labeler.defs#labelerView', ...view } } : notFound
    }
    case 'app.bsky.graph.starterpack': {
      const view = starterPackViewBasic(uri, state)
      return view ? { record: { $type: 'app.bsky.graph.defs#starterPackViewBasic', ...view } } : notFound
    }
    default:
      return notFound
  }
}

function detached(uri: string): AppBskyEmbedRecord.View {
  return standIn({ $type: 'app.bsky.embed.record#viewDetached', uri, detached: true })
}

function standIn(record: RecordEmbedView): AppBskyEmbedRecord.View {
  return { $type: 'app.bsky.embed.record#view', record }
}

/** app.bsky.embed.record#viewRecord: a quoted post, itself with its embed one level further down. */
function viewRecord(uri: string, state: HydrationState, depth: number, postView: PostViewAt): $Typed<AppBskyEmbedRecord.ViewRecord> | undefined {
  const post = postView(uri, state, depth)
  if (!post) return undefined
  return {
    $type: 'app.bsky.embed.record#viewRecord',
    uri: post.uri,
    cid: post.cid,
    author: post.author,
    value: post.record,
    labels: post.labels,
    likeCount: post.likeCount,
    replyCount: post.replyCount,
    repostCount: post.repostCount,
    quoteCount: post.quoteCount,
    indexedAt: post.indexedAt,
    embeds: depth > 1 ? undefined : post.embed ? [post.embed] : [],
  }
}
