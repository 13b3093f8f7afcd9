import type { VideoUrls } from '#/hydration/state.js'

/**
 * Video URLs in views point at a video CDN serving HLS, as Bluesky's AppView does:
 * `<base>/<did>/<blob cid>/playlist.m3u8` and `…/thumbnail.jpg` (the DID URL-encoded).
 */

export const DEFAULT_VIDEO_CDN_URL = 'https://video.bsky.app/watch'

export function videoUrlBuilder(base: string = DEFAULT_VIDEO_CDN_URL): VideoUrls {
  const root = base.replace(/\/+$/, '')
  const at = (did: string, cid: string) => `${root}/${encodeURIComponent(did)}/${encodeURIComponent(cid)}`
  return {
    playlist: (did, cid) => `${at(did, cid)}/playlist.m3u8`,
    thumbnail: (did, cid) => `${at(did, cid)}/thumbnail.jpg`,
  }
}
