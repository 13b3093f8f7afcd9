import { LRUCache } from 'lru-cache'

/**
 * Ranked lists for discovery (trending topics, popular feeds, suggested accounts) and their
 * reuse.
 */

/** An item of a ranked list (a feed generator's URI, an account's DID) and what ranked it. */
export interface Ranked {
  key: string
  score: number
}

/** The longest ranked list kept: pages beyond it are not worth an aggregation this large. */
export const MAX_RANKED = 500

/** The lists one after the other, each item once (where it first appears), leaving out `exclude`; at most MAX_RANKED. */
export function concatRanked(lists: Ranked[][], exclude: Iterable<string> = []): Ranked[] {
  const seen = new Set(exclude)
  const out: Ranked[] = []
  for (const item of lists.flat()) {
    if (seen.has(item.key)) continue
    seen.add(item.key)
    out.push(item)
    if (out.length === MAX_RANKED) break
  }
  return out
}

/**
 * Reuse for the discovery lists (trending topics, popular feeds, suggestions): each is an
 * aggregation over many documents, asked for far more often than it meaningfully changes.
 * Within `ttlMs` a list is served as computed; for a while after (up to `staleMs`) it is still
 * served while one recomputation runs in the background, so a busy key never waits for
 * OpenSearch; past that, or for a key never seen, the caller waits. Concurrent callers of a key
 * share one computation.
 */

export interface RankedCacheOptions {
  /** How long a computed value is served as fresh; 0 computes every time. */
  ttlMs: number
  /** How old a value may be and still be served while it is recomputed. Default 10 × ttlMs. */
  staleMs?: number
  /** Keys kept (per-viewer lists are many). Default 10,000. */
  max?: number
  now?: () => number
}

export type RankedCache<V> = (key: string) => Promise<V>

interface Entry<V> {
  value?: V
  at: number
  pending?: Promise<V>
}

export function rankedCache<V>(compute: (key: string) => Promise<V>, opts: RankedCacheOptions): RankedCache<V> {
  if (opts.ttlMs <= 0) return compute
  const now = opts.now ?? Date.now
  const staleMs = opts.staleMs ?? opts.ttlMs * 10
  const entries = new LRUCache<string, Entry<V>>({ max: opts.max ?? 10_000 })

  function refresh(key: string, entry: Entry<V>): Promise<V> {
    entry.pending ??= compute(key).then(
      (value) => {
        entries.set(key, { value, at: now() })
        return value
      },
      (err: unknown) => {
        entry.pending = undefined
        throw err
      },
    )
    return entry.pending
  }

  return async (key) => {
    let entry = entries.get(key)
    if (!entry) {
      entry = { at: 0 }
      entries.set(key, entry)
    }
    const age = now() - entry.at
    if (entry.value !== undefined && age < opts.ttlMs) return entry.value
    if (entry.value !== undefined && age < staleMs) {
      // A failed background refresh leaves the old value; the next caller tries again.
      refresh(key, entry).catch(() => {})
      return entry.value
    }
    return refresh(key, entry)
  }
}
