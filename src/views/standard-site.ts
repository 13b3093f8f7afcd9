import type { AppBskyEmbedExternal } from '@atproto/api'
import type { StoredRecord } from '#/dataplane/records.js'
import type { HydrationState } from '#/hydration/state.js'
import { imageUrl } from '#/views/images.js'
import { labelsOn } from '#/views/labels.js'
import { profileViewBasic } from '#/views/profiles.js'

/**
 * Link cards from standard.site records: a `site.standard.document` (an article: title,
 * description, path under its site) and the `site.standard.publication` it belongs to (the site:
 * name, url, icon). A card is only built when the records claim exactly the URL the card is for,
 * so that nobody's records can dress up somebody else's link.
 */

export const DOCUMENT = 'site.standard.document'
export const PUBLICATION = 'site.standard.publication'

/** Roughly how fast people read an article, for the card's reading time. */
const WORDS_PER_MINUTE = 200

export interface StandardSite {
  document?: StoredRecord
  publication?: StoredRecord
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined)

/** An http(s) URL reduced for comparison: lower-case host, no query or fragment, no trailing slash. */
function comparable(url: string): string | undefined {
  if (!URL.canParse(url)) return undefined
  const parsed = new URL(url)
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined
  return `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/+$/, '')}`
}

/** `path` under `base`, with one slash between them whichever side has it. */
function under(base: string, path: string | undefined): string {
  return path ? `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}` : base
}

/** The web address the records say they are: the document's path under its publication (or its own site), else the publication's url. */
export function claimedUrl({ document, publication }: StandardSite): string | undefined {
  const base = text(publication?.record.url) ?? (document ? text(document.record.site) : undefined)
  if (!base) return undefined
  return document ? under(base, text(document.record.path)) : base
}

/** Whether the records back `url`: the address they claim is the same page. */
export function backs(site: StandardSite, url: string): boolean {
  const claimed = claimedUrl(site)
  const want = comparable(url)
  return claimed !== undefined && want !== undefined && comparable(claimed) === want
}

function readingMinutes(content: string | undefined): number | undefined {
  const words = content?.split(/\s+/).filter(Boolean).length ?? 0
  return words > 0 ? Math.max(1, Math.round(words / WORDS_PER_MINUTE)) : undefined
}

function source(publication: StoredRecord, state: HydrationState): AppBskyEmbedExternal.ViewExternalSource | undefined {
  const { url, name, description, icon } = publication.record
  if (typeof url !== 'string' || typeof name !== 'string') return undefined
  return {
    uri: url,
    title: name,
    description: text(description),
    icon: imageUrl(state.ctx.images, 'avatar', publication.did, icon),
  }
}

/**
 * The card for `url`: the document's title and description (never mixed with the publication's),
 * else the publication's name and description; undefined when there is no title to show.
 */
export function standardSiteView(site: StandardSite, url: string, state: HydrationState): AppBskyEmbedExternal.ViewExternal | undefined {
  const { document, publication } = site
  const main = document ?? publication
  if (!main) return undefined
  const title = text(document ? main.record.title : main.record.name)
  if (!title) return undefined
  const records = [document, publication].filter((r): r is StoredRecord => r !== undefined)
  const labels = records.flatMap((r) => labelsOn(r.uri, state))
  const owners = [...new Set(records.map((r) => r.did))]
  const profiles = owners.flatMap((did) => profileViewBasic(did, state) ?? [])
  return {
    uri: url,
    title,
    description: text(main.record.description) ?? '',
    thumb: document ? imageUrl(state.ctx.images, 'feed_thumbnail', document.did, document.record.coverImage) : undefined,
    createdAt: text(document?.record.publishedAt),
    updatedAt: text(document?.record.updatedAt),
    readingTime: readingMinutes(text(document?.record.textContent)),
    labels: labels.length ? labels : undefined,
    source: publication ? source(publication, state) : undefined,
    associatedRefs: records.map((r) => ({ uri: r.uri, cid: r.cid })),
    associatedProfiles: profiles.length ? profiles : undefined,
  }
}
