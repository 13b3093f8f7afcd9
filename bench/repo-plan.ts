/**
 * The shape of a generated repo corpus before any record exists: how many repos, how big each
 * one is, when each account started, and how many records of each collection it holds.
 */
import type { Rng } from '#devnet/rng.js'

/** The largest repo the generator makes; real heavy users reach this and beyond. */
export const MAX_REPO_RECORDS = 50_000
// Lognormal sizes: most accounts hold a few dozen records, a few hold tens of thousands.
const MEDIAN_RECORDS = 80
const SIGMA = 1.9

export const COLLECTIONS = {
  like: 'app.bsky.feed.like',
  post: 'app.bsky.feed.post',
  follow: 'app.bsky.graph.follow',
  repost: 'app.bsky.feed.repost',
  block: 'app.bsky.graph.block',
  listitem: 'app.bsky.graph.listitem',
  threadgate: 'app.bsky.feed.threadgate',
  postgate: 'app.bsky.feed.postgate',
  list: 'app.bsky.graph.list',
  listblock: 'app.bsky.graph.listblock',
  blogEntry: 'com.whtwnd.blog.entry',
  starterpack: 'app.bsky.graph.starterpack',
  generator: 'app.bsky.feed.generator',
  verification: 'app.bsky.graph.verification',
  profile: 'app.bsky.actor.profile',
  chatDeclaration: 'chat.bsky.actor.declaration',
  notificationDeclaration: 'app.bsky.notification.declaration',
  labelerService: 'app.bsky.labeler.service',
  status: 'app.bsky.actor.status',
} as const

export type CollectionKind = keyof typeof COLLECTIONS
export type CollectionCounts = Partial<Record<CollectionKind, number>>

/**
 * Shares of the records that are not per-account singletons (percent): likes 45, posts 20,
 * follows 15, reposts 12, and the rest (~8 with the singletons) spread over the other families.
 */
const WEIGHTS: [CollectionKind, number][] = [
  ['like', 45],
  ['post', 20],
  ['follow', 15],
  ['repost', 12],
  ['block', 3],
  ['listitem', 2.8],
  ['threadgate', 0.9],
  ['postgate', 0.45],
  ['list', 0.25],
  ['listblock', 0.12],
  ['blogEntry', 0.06],
  ['starterpack', 0.05],
  ['generator', 0.04],
  ['verification', 0.01],
]

/**
 * The search benchmark's mix: posts ~70 % (so ≥ 5 M posts fit a load of ~7 M records), with
 * enough likes and reposts that `sort=top` has engagement to rank by, and the rest kept so the
 * rules step (blocks, lists, gates) still has something to do.
 */
const SEARCH_WEIGHTS: [CollectionKind, number][] = [
  ['post', 70],
  ['like', 14],
  ['follow', 6],
  ['repost', 5],
  ['listitem', 1.5],
  ['block', 1],
  ['threadgate', 0.9],
  ['postgate', 0.45],
  ['list', 0.25],
  ['listblock', 0.12],
  ['blogEntry', 0.06],
  ['starterpack', 0.05],
  ['generator', 0.04],
  ['verification', 0.01],
]

export const RECORD_MIXES = { network: WEIGHTS, search: SEARCH_WEIGHTS }
export type RecordMix = keyof typeof RECORD_MIXES

/** Records with the fixed key `self`: at most one each, with the chance an account has one. */
const SINGLETONS: [CollectionKind, number, number][] = [
  // kind, chance, smallest repo size that has it
  ['profile', 0.92, 1],
  ['chatDeclaration', 0.35, 3],
  ['notificationDeclaration', 0.15, 3],
  ['status', 0.003, 10],
  ['labelerService', 0.001, 20],
]

/** Repo sizes summing to exactly `records`: drawn until they do, or `repos` of them scaled to it. */
export function repoSizes (rng: Rng, records: number, repos?: number): number[] {
  const draw = (): number => Math.exp(Math.log(MEDIAN_RECORDS) + SIGMA * rng.normal())
  if (repos === undefined) {
    const sizes: number[] = []
    let total = 0
    while (total < records) {
      const size = Math.min(records - total, clampSize(Math.round(draw())))
      sizes.push(size)
      total += size
    }
    return sizes
  }
  if (!Number.isInteger(repos) || repos < 1) throw new Error(`--repos must be a positive integer, not ${repos}`)
  if (repos > records) throw new Error(`${repos} repos cannot share ${records} records (every repo holds one at least)`)
  if (records > repos * MAX_REPO_RECORDS) throw new Error(`${records} records do not fit ${repos} repos of at most ${MAX_REPO_RECORDS}`)
  const raw = Array.from({ length: repos }, draw)
  const scale = records / raw.reduce((a, b) => a + b, 0)
  const sizes = raw.map((x) => clampSize(Math.floor(x * scale)))
  // Rounding and clamping leave a remainder: spread it over the biggest repos that can take it.
  let diff = records - sizes.reduce((a, b) => a + b, 0)
  const bySize = sizes.map((_, i) => i).sort((a, b) => sizes[b]! - sizes[a]!)
  while (diff !== 0) {
    for (const i of bySize) {
      if (diff > 0 && sizes[i]! < MAX_REPO_RECORDS) {
        sizes[i]!++
        diff--
      } else if (diff < 0 && sizes[i]! > 1) {
        sizes[i]!--
        diff++
      }
      if (diff === 0) break
    }
  }
  return sizes
}

function clampSize (n: number): number {
  return Math.max(1, Math.min(MAX_REPO_RECORDS, n))
}

/** How many records of each collection a repo of `size` records holds (they sum to `size`). */
export function collectionCounts (rng: Rng, size: number, mix: RecordMix = 'network'): CollectionCounts {
  const shares = RECORD_MIXES[mix]
  const counts: CollectionCounts = {}
  let left = size
  for (const [kind, chance, minSize] of SINGLETONS) {
    if (left > 0 && size >= minSize && rng.chance(chance)) {
      counts[kind] = 1
      left--
    }
  }
  // Accounts differ: some mostly like, some mostly post or follow.
  const weights = shares.map(([, w]) => w * Math.exp(0.5 * rng.normal()))
  const total = weights.reduce((a, b) => a + b, 0)
  for (let i = 0; i < left; i++) {
    let x = rng.next() * total
    let k = 0
    while (k < weights.length - 1 && x >= weights[k]!) x -= weights[k++]!
    const kind = shares[k]![0]
    counts[kind] = (counts[kind] ?? 0) + 1
  }
  const move = (from: CollectionKind, to: CollectionKind, n: number): void => {
    if (n <= 0) return
    counts[from] = (counts[from] ?? 0) - n
    counts[to] = (counts[to] ?? 0) + n
    if (counts[from] === 0) delete counts[from]
  }
  // Dependencies inside a repo: list items and starter packs need a list of the account's own,
  // thread- and postgates one of its own posts each.
  if (((counts.listitem ?? 0) > 0 || (counts.starterpack ?? 0) > 0) && !counts.list) {
    move(counts.listitem ? 'listitem' : 'starterpack', 'list', 1)
  }
  move('threadgate', 'like', (counts.threadgate ?? 0) - (counts.post ?? 0))
  move('postgate', 'like', (counts.postgate ?? 0) - (counts.post ?? 0))
  return counts
}

/** When an account started: a few early users (2023), the big waves of late 2024, a steady trickle since. */
export function accountStart (rng: Rng, endMs: number): number {
  const eras: [string, string, number][] = [
    ['2023-02-15', '2023-12-31', 0.2],
    ['2024-01-01', '2024-08-31', 0.15],
    ['2024-09-01', '2024-12-31', 0.35],
    ['2025-01-01', '', 0.3],
  ]
  let x = rng.next()
  for (const [from, to, share] of eras) {
    if (x < share || to === '') {
      const lo = Date.parse(from)
      // An account exists for a week at least before the corpus's end.
      const hi = Math.min(to === '' ? endMs : Date.parse(to), endMs - 7 * 86_400_000)
      return lo + rng.next() * Math.max(0, hi - lo)
    }
    x -= share
  }
  throw new Error('unreachable')
}
