import type { ImagePreset, ImageUrls } from '#/hydration/state.js'

/**
 * Image URLs in views point at an image CDN, as Bluesky's AppView does:
 * `<base>/<preset>/plain/<did>/<blob cid>` (e.g. https://cdn.bsky.app/img/avatar/plain/…).
 */

export function imageUrlBuilder(base: string): ImageUrls {
  const root = base.replace(/\/+$/, '')
  return (preset, did, cid) => `${root}/${preset}/plain/${did}/${cid}`
}

/**
 * The CID of a blob in lexicon JSON: `{ $type: 'blob', ref: { $link } }`, or the legacy
 * `{ cid, mimeType }` form old records still carry.
 */
export function blobCid(blob: unknown): string | undefined {
  if (typeof blob !== 'object' || blob === null) return undefined
  const b = blob as { ref?: { $link?: unknown }; cid?: unknown }
  if (typeof b.ref?.$link === 'string') return b.ref.$link
  if (typeof b.cid === 'string') return b.cid
  return undefined
}

/** The URL of an image blob of `did`, or undefined when the record holds no usable blob. */
export function imageUrl(images: ImageUrls, preset: ImagePreset, did: string, blob: unknown): string | undefined {
  const cid = blobCid(blob)
  return cid ? images(preset, did, cid) : undefined
}
