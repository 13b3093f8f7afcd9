/**
 * The request mix of app-mix.ts: what a signed-in person of the Bluesky app asks the AppView for
 * in a minute of use, and how each request is built from what that person saw before (cursors,
 * posts and authors of earlier answers). Shared by the benchmark's main thread (to print and
 * record the weights) and its client thread (to draw and build requests).
 *
 * Weights are requests per active person per minute; the fractions are their shares of the sum
 * (9.0 a minute, so R requests/s ≈ 6.7 × R people using the app at once). Sources, from
 * bluesky-social/social-app:
 *   - src/state/queries/notifications/unread.tsx: `checkUnread` fetches listNotifications
 *     (limit 40) on start and every 30 s (UPDATE_INTERVAL) while the app is in the foreground; a
 *     poll is skipped half the time when the unread count is not 0, and always at 30+.
 *   - the feed page (FeedPage, POLL_FREQ = 60e3): while a feed is focused, `pollLatest` asks for
 *     its newest item every 60 s (peekLatest: limit 1).
 *   - src/state/queries/post-feed.ts: feeds are paged 30 at a time as the person scrolls.
 * Everything else (how fast people scroll, how often they tap a post or a profile or search) is
 * an assumption, said as such below; change the weights here, not in the client.
 */

export interface MixEntry {
  kind: string
  nsid: string
  perMinute: number
  source: string
}

export const MIX: MixEntry[] = [
  { kind: 'notifications', nsid: 'app.bsky.notification.listNotifications', perMinute: 1.5, source: 'unread.tsx: limit 40 every 30 s while active, half the polls skipped when unread ≠ 0 (1–2/min; 1.5 assumed)' },
  { kind: 'unread', nsid: 'app.bsky.notification.getUnreadCount', perMinute: 0.5, source: 'assumption: the app counts unread from the listNotifications page; other clients and badges poll getUnreadCount' },
  { kind: 'timeline-peek', nsid: 'app.bsky.feed.getTimeline', perMinute: 1, source: 'FeedPage POLL_FREQ 60 s: peekLatest (limit 1) while the feed is focused' },
  { kind: 'timeline', nsid: 'app.bsky.feed.getTimeline', perMinute: 3, source: 'post-feed.ts pages of 30; assumption: 3 pages/min of scrolling, 5 pages before starting again from the top' },
  { kind: 'feed', nsid: 'app.bsky.feed.getFeed', perMinute: 1, source: "assumption: a third of feed reading on a pinned feed (Magpie's what's hot), 3 pages before starting again" },
  { kind: 'thread', nsid: 'app.bsky.unspecced.getPostThreadV2', perMinute: 1, source: 'assumption: a tap on a post seen in a feed every ~3 pages; 1 in 10 on the planted 200-post thread' },
  { kind: 'profile', nsid: 'app.bsky.actor.getProfile', perMinute: 0.4, source: 'assumption: a tap on an author seen in a feed every ~2.5 min' },
  { kind: 'author-feed', nsid: 'app.bsky.feed.getAuthorFeed', perMinute: 0.4, source: "the profile screen loads the author's posts with the profile (same rate as profile)" },
  { kind: 'search-latest', nsid: 'app.bsky.feed.searchPosts', perMinute: 0.1, source: 'assumption: a search every 5 min, half on the Latest tab' },
  { kind: 'search-top', nsid: 'app.bsky.feed.searchPosts', perMinute: 0.1, source: 'assumption: the other half on the Top tab' },
]
// Not in the mix: getPreferences (the PDS answers it), getConfig and getFeedGenerators (once per
// session, cached by the app, cheap for an AppView), chat (another service).

export const PER_MINUTE = MIX.reduce((n, e) => n + e.perMinute, 0)

export function mixFractions(): Record<string, number> {
  return Object.fromEntries(MIX.map((e) => [e.kind, Math.round((e.perMinute / PER_MINUTE) * 1000) / 1000]))
}

/** What the client needs to aim requests at the corpus. */
export interface MixMaterial {
  /** The built-in feed getFeed asks for (Magpie's what's hot). */
  feedUri: string
  threadRoot: string
  prolificAuthor: string
  popularAccounts: string[]
  /** Posts to open when a person has seen none yet. */
  samplePosts: string[]
  words: string[]
}

/** What one person saw: where their feeds' pages stopped, and what was on the last page. */
export interface PersonState {
  timeline: { cursor?: string; depth: number }
  feed: { cursor?: string; depth: number }
  posts: string[]
  authors: string[]
}

export function newPersonState(): PersonState {
  return { timeline: { depth: 0 }, feed: { depth: 0 }, posts: [], authors: [] }
}

const TIMELINE_PAGES = 5
const FEED_PAGES = 3

/** A number in [0, 1): the client's seeded generator, so runs send the same sequence. */
export type Rng = () => number

const pick = <T>(list: T[], rng: Rng): T => list[Math.floor(rng() * list.length)]!

/** Kind index drawn by weight. */
export function drawKind(rng: Rng): number {
  let x = rng() * PER_MINUTE
  for (let i = 0; i < MIX.length; i++) {
    x -= MIX[i]!.perMinute
    if (x < 0) return i
  }
  return MIX.length - 1
}

/** The request's path for this person now. */
export function buildPath(kind: string, nsid: string, st: PersonState, m: MixMaterial, rng: Rng): string {
  const q = (params: Record<string, string | undefined>): string => {
    const defined = Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined)
    return `/xrpc/${nsid}?${new URLSearchParams(defined)}`
  }
  switch (kind) {
    case 'notifications':
      return q({ limit: '40' })
    case 'unread':
      return q({})
    case 'timeline-peek':
      return q({ limit: '1' })
    case 'timeline': {
      const next = st.timeline.depth < TIMELINE_PAGES ? st.timeline.cursor : undefined
      return q({ limit: '30', cursor: next })
    }
    case 'feed': {
      const next = st.feed.depth < FEED_PAGES ? st.feed.cursor : undefined
      return q({ feed: m.feedUri, limit: '30', cursor: next })
    }
    case 'thread': {
      const anchor = rng() < 0.1 || (st.posts.length === 0 && m.samplePosts.length === 0) ? m.threadRoot : st.posts.length ? pick(st.posts, rng) : pick(m.samplePosts, rng)
      return q({ anchor, sort: 'top' })
    }
    case 'profile':
    case 'author-feed': {
      const r = rng()
      const actor = r < 0.1 ? m.prolificAuthor : r < 0.2 || st.authors.length === 0 ? pick(m.popularAccounts, rng) : pick(st.authors, rng)
      return kind === 'profile' ? q({ actor }) : q({ actor, filter: 'posts_and_author_threads', limit: '30' })
    }
    case 'search-latest':
    case 'search-top': {
      const words = rng() < 0.7 ? pick(m.words, rng) : `${pick(m.words, rng)} ${pick(m.words, rng)}`
      return q({ q: words, sort: kind === 'search-top' ? 'top' : 'latest', limit: '25' })
    }
    default:
      throw new Error(`unknown kind ${kind}`)
  }
}

/** What a person takes from an answer: the next cursor, the posts and authors on the page. */
export function absorb(kind: string, path: string, body: any, st: PersonState): void {
  const paged = kind === 'timeline' ? st.timeline : kind === 'feed' ? st.feed : undefined
  if (paged) {
    const first = !new URL(path, 'http://x').searchParams.has('cursor')
    paged.depth = first ? 1 : paged.depth + 1
    paged.cursor = body?.cursor
  }
  if (kind === 'timeline' || kind === 'feed' || kind === 'author-feed') {
    const items = (body?.feed ?? []) as { post?: { uri?: string; author?: { did?: string } } }[]
    const posts = items.map((i) => i.post?.uri).filter((u): u is string => !!u)
    const authors = items.map((i) => i.post?.author?.did).filter((d): d is string => !!d)
    if (posts.length) st.posts = posts
    if (authors.length) st.authors = [...new Set(authors)]
  }
}
