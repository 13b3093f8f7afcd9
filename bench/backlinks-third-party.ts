/**
 * Third-party records for a loaded read corpus (read-corpus.ts), written by its own accounts over
 * its own two years, for backlinks and record search at scale (backlinks-corpus.ts). Deterministic
 * (the corpus's plan, `count` and `popularLinks` give the same records), so a rerun rewrites the
 * same documents and the links to the measured subjects are known exactly.
 *
 * A mix of what the network's other apps write: bookmarks (of the corpus's posts and of web
 * pages), Tangled repos, stars, follows and issues, Leaflet publications and documents (some
 * embedding a Bluesky post), Frontpage posts and votes, calendar events. None of these
 * collections has a family of its own, and read-corpus.ts writes none of them: every one lands
 * in the `records` index, and they can be deleted again by collection alone.
 *
 * The subjects measured:
 * - the popular post: the corpus's planted thread root (a popular account's post), linked by
 *   `popularLinks` bookmarks and Leaflet documents spread evenly over the records (and so over
 *   the two years, most of them before the post: what is measured does not depend on their order);
 * - the popular account: the corpus's most popular account (most followed, mentioned, blocked),
 *   plus the Tangled follows that pick it;
 * - cold posts: the corpus's newest posts (nothing in the corpus comes after them to link to
 *   them), each bookmarked exactly once here.
 */
import { makeRng, type Rng } from '#devnet/rng.js'
import { tid } from './atproto-primitives.js'
import { words, type StrongRef, type Vocabulary } from './record-content.js'
import { CORPUS_END_MS, CORPUS_START_MS, cidFor, isoOf, type GenRecord, type ReadCorpus } from './read-corpus-records.js'

export const THIRD_PARTY = {
  bookmark: 'community.lexicon.bookmarks.bookmark',
  tangledRepo: 'sh.tangled.repo',
  tangledStar: 'sh.tangled.feed.star',
  tangledFollow: 'sh.tangled.graph.follow',
  tangledIssue: 'sh.tangled.repo.issue',
  publication: 'pub.leaflet.publication',
  document: 'pub.leaflet.document',
  frontpagePost: 'fyi.unravel.frontpage.post',
  frontpageVote: 'fyi.unravel.frontpage.vote',
  event: 'community.lexicon.calendar.event',
} as const

type Kind = keyof typeof THIRD_PARTY

/** Shares of the generated records (percent): small link-only records first, as on the network. */
const MIX: [Kind, number][] = [
  ['bookmark', 20],
  ['tangledStar', 18],
  ['frontpageVote', 14],
  ['document', 12],
  ['tangledFollow', 10],
  ['tangledIssue', 8],
  ['frontpagePost', 6],
  ['tangledRepo', 5],
  ['event', 4],
  ['publication', 3],
]
const MIX_TOTAL = MIX.reduce((n, [, w]) => n + w, 0)

/** Cold posts, each bookmarked once: enough for every timed call to ask about a different one. */
export const COLD_POSTS = 200

export interface ThirdPartySubjects {
  popularPost: string
  popularAccount: string
  coldPosts: string[]
}

export interface ThirdPartyOptions {
  count: number
  popularLinks: number
  seed: number
  /** The thread root the corpus's manifest names (read-corpus-planted.ts). */
  popularPost: StrongRef
  /** The corpus's most popular account (the manifest's `popularAccounts[0]`). */
  popularAccount: string
  vocabulary?: Vocabulary
}

export function thirdPartySubjects(corpus: ReadCorpus, opts: ThirdPartyOptions): ThirdPartySubjects {
  const coldPosts = Array.from({ length: Math.min(COLD_POSTS, corpus.postCount) }, (_, i) => corpus.postUri(corpus.postCount - 1 - i))
  return { popularPost: opts.popularPost.uri, popularAccount: opts.popularAccount, coldPosts }
}

export function* thirdPartyRecords(corpus: ReadCorpus, opts: ThirdPartyOptions): Generator<GenRecord> {
  const rng = makeRng(opts.seed)
  const { coldPosts } = thirdPartySubjects(corpus, opts)
  const cold = new Set(coldPosts)
  const lo = CORPUS_START_MS * 1000
  const span = (CORPUS_END_MS - CORPUS_START_MS) * 1000
  // What later records point at: the ones made so far.
  const repos: string[] = []
  const publications: string[] = []
  const frontpage: StrongRef[] = []
  const text = (maxLen: number) => words(rng, 'en', maxLen, opts.vocabulary)
  // Cold posts are bookmarked at evenly spaced records, like the popular links (a cold one first
  // where both would fall on one record).
  const coldEvery = Math.max(1, Math.floor(opts.count / Math.max(1, coldPosts.length)))

  for (let i = 0; i < opts.count; i++) {
    // Distinct times, so every record's key is distinct; spread over the corpus's two years.
    const micros = lo + Math.floor((i * span) / opts.count)
    const author = rng.chance(0.5) ? corpus.popular(rng) : corpus.accounts[rng.int(corpus.accounts.length)]!
    const createdAt = isoOf(micros)
    const make = (kind: Kind, record: Record<string, unknown>): GenRecord => ({
      did: author.did,
      collection: THIRD_PARTY[kind],
      rkey: tid(micros, author.clock),
      record: { $type: THIRD_PARTY[kind], ...record },
      micros,
    })
    const uriOf = (r: GenRecord) => `at://${r.did}/${r.collection}/${r.rkey}`

    const c = i / coldEvery
    if (i % coldEvery === 0 && c < coldPosts.length) {
      yield make('bookmark', { subject: coldPosts[c], createdAt })
      continue
    }
    if (Math.floor(((i + 1) * opts.popularLinks) / opts.count) > Math.floor((i * opts.popularLinks) / opts.count)) {
      yield rng.chance(0.7)
        ? make('bookmark', { subject: opts.popularPost.uri, createdAt })
        : make('document', leafletDocument(rng, text, author.did, publications, createdAt, opts.popularPost))
      continue
    }
    // A post that existed then, never a measured one (their links are counted exactly).
    const anyPost = (): StrongRef | undefined => {
      const before = corpus.postsBefore(micros)
      if (before === 0) return undefined
      const ref = corpus.postRef(corpus.earlierPost(rng, before))
      return ref.uri === opts.popularPost.uri || cold.has(ref.uri) ? undefined : ref
    }

    let x = rng.next() * MIX_TOTAL
    let kind = MIX.find(([, w]) => (x -= w) < 0)?.[0] ?? 'bookmark'
    // Stars and issues need a repo to name, votes a Frontpage post: the first ones make one.
    if ((kind === 'tangledStar' || kind === 'tangledIssue') && repos.length === 0) kind = 'tangledRepo'
    if (kind === 'frontpageVote' && frontpage.length === 0) kind = 'frontpagePost'
    switch (kind) {
      case 'bookmark': {
        const post = rng.chance(0.6) ? anyPost() : undefined
        const subject = post?.uri ?? `https://${rng.pick(SITES)}/${text(40).replace(/\W+/g, '-').toLowerCase() || i}`
        yield make(kind, { subject, createdAt, ...(rng.chance(0.3) ? { tags: [text(12) || 'later'] } : {}) })
        break
      }
      case 'tangledRepo': {
        const r = make(kind, { name: `${text(20).replace(/\W+/g, '-').toLowerCase() || 'repo'}-${i}`, knot: rng.pick(KNOTS), description: text(rng.range(0, 160)), createdAt })
        repos.push(uriOf(r))
        yield r
        break
      }
      case 'tangledStar':
        yield make(kind, { subject: recent(rng, repos), createdAt })
        break
      case 'tangledFollow':
        yield make(kind, { subject: corpus.popular(rng).did, createdAt })
        break
      case 'tangledIssue':
        yield make(kind, { repo: recent(rng, repos), title: text(rng.range(10, 80)), body: text(rng.range(0, 600)), createdAt })
        break
      case 'publication': {
        const r = make(kind, { name: text(rng.range(5, 40)) || 'notes', description: text(rng.range(0, 200)), base_path: `${author.handle.split('.')[0]}.leaflet.pub` })
        publications.push(uriOf(r))
        yield r
        break
      }
      case 'document':
        yield make(kind, leafletDocument(rng, text, author.did, publications, createdAt, rng.chance(0.3) ? anyPost() : undefined))
        break
      case 'frontpagePost': {
        const r = make(kind, { title: text(rng.range(20, 120)) || 'a link', url: `https://${rng.pick(SITES)}/${i}`, createdAt })
        frontpage.push({ uri: uriOf(r), cid: cidFor(uriOf(r)) })
        yield r
        break
      }
      case 'frontpageVote':
        yield make(kind, { subject: recent(rng, frontpage), createdAt })
        break
      case 'event': {
        const startsAt = isoOf(micros + rng.int(30 * 86_400_000) * 1000)
        yield make(kind, { name: text(rng.range(10, 60)) || 'meetup', description: text(rng.range(0, 400)), createdAt, startsAt, mode: 'community.lexicon.calendar.event#inperson', uris: [{ uri: `https://${rng.pick(SITES)}/events/${i}` }] })
        break
      }
    }
  }
}

const SITES = ['example.com', 'blog.example.net', 'github.com', 'en.wikipedia.org', 'news.example.org', 'arxiv.org', 'substack.com']
const KNOTS = ['knot1.tangled.sh', 'knot.example.dev', 'git.example.org']

/** Mostly one of the newest items (as attention goes), sometimes any. */
function recent<T>(rng: Rng, items: T[]): T {
  if (rng.chance(0.3)) return rng.pick(items)
  return items[items.length - 1 - Math.min(items.length - 1, Math.floor(Math.abs(rng.normal()) * 200))]!
}

/** A Leaflet document: paragraphs of text, and a Bluesky post embedded when `post` is given. */
function leafletDocument(rng: Rng, text: (maxLen: number) => string, author: string, publications: string[], publishedAt: string, post?: StrongRef): Record<string, unknown> {
  const block = (inner: Record<string, unknown>) => ({ $type: 'pub.leaflet.pages.linearDocument#block', block: inner })
  const blocks = Array.from({ length: rng.range(1, 4) }, () => block({ $type: 'pub.leaflet.blocks.text', plaintext: text(rng.range(40, 400)), facets: [] }))
  if (post) blocks.splice(rng.int(blocks.length + 1), 0, block({ $type: 'pub.leaflet.blocks.bskyPost', postRef: post }))
  return {
    title: text(rng.range(10, 70)) || 'untitled',
    description: text(rng.range(0, 160)),
    author,
    ...(publications.length ? { publication: recent(rng, publications) } : {}),
    publishedAt,
    pages: [{ $type: 'pub.leaflet.pages.linearDocument', blocks }],
  }
}
