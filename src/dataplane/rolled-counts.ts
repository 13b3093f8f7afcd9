import { settledPartitions, partitionKey, type RollupState } from '#/aggregates/partitions.js'
import { COUNT_SPEC, COUNT_SPECS, fitsAsId, ROLLED_FAMILIES, ROLLUP_STATE_ID, type CountName, type PartitionedFamily } from '#/aggregates/specs.js'
import { bucketCounts, exactTermsAgg, NOT_DELETED, type SearchRequest, type Searcher } from '#/dataplane/opensearch-reader.js'
import { singleIndex } from '#/indexing/route.js'

/**
 * Exact counts over the partitioned families (likes, reposts, replies, quotes, followers,
 * follows, posts; replies under a thread's root, which only say where a thread is) at the cost
 * of one `_mget` and a search of the unsettled partitions only: the settled months' counts come
 * from the subjects' aggregate documents (src/aggregates/), the live months — where new writes
 * land — are counted as they are now. Where the rollup has never run every partition is
 * unsettled, which is the full count over the alias.
 */

export type Counted = Map<string, Record<CountName, number>>

export interface RolledCounts {
  count(names: readonly CountName[], subjects: string[]): Promise<Counted>
  /**
   * The partitions of the count's family that can hold a live document whose field names one of
   * `subjects`: every unsettled partition, and the settled ones where some subject's aggregate
   * document counts more than 0 — any other settled partition has none, so a search for those
   * documents (the viewer's like of a post, a follow between two accounts) can leave it out.
   * Undefined when nothing can be left out (read the alias). As exact as the counts: a write into
   * a settled month is seen once a rollup pass has recounted it.
   */
  holding(name: CountName, subjects: string[]): Promise<string[] | undefined>
  /**
   * A family's partitions, which of them are settled, and a key naming the settled ones at their
   * generations: what was read from those alone stays true while the key is the same.
   */
  settledOf(family: PartitionedFamily): Promise<SettledView>
  /**
   * How many live documents the settled partitions hold for one subject (its aggregate
   * document's confirmed entries), and which partitions hold them; undefined when that is not
   * known (a subject too long for an id).
   */
  settledCount(name: CountName, subject: string): Promise<{ count: number; partitions: string[] } | undefined>
}

/**
 * The follows partitions that can hold a follow by one of `from` of one of `to`: those where
 * one of them follows anyone and one of the others has a follower (undefined: all).
 */
export async function followsBetween(rolled: Pick<RolledCounts, 'holding'>, from: string[], to: string[]): Promise<string[] | undefined> {
  const [following, followed] = await Promise.all([rolled.holding('follows', from), rolled.holding('followers', to)])
  if (!following) return followed
  if (!followed) return following
  const both = new Set(followed)
  return following.filter((p) => both.has(p))
}

export interface SettledView {
  all: string[]
  settled: Set<string>
  key: string
  /** Settled partitions whose edge documents are complete (settled-edges.ts) → the generation their entries must have. */
  withEdges: Map<string, number>
}

interface View {
  /** Concrete partitions behind each family's alias. */
  partitions: Map<PartitionedFamily, string[]>
  /** Settled partitions → the generation their entries must have. */
  settled: Map<string, number>
  /** The same for each count: a partition settled before a count existed has no entries for it. */
  settledFor: Map<CountName, Map<string, number>>
  /** The settled partitions with complete edge documents, likewise. */
  withEdges: Map<string, number>
}

/** At most this long a reader goes on from a view of the partitions and the rollup (writes into old months are counted within it plus a rollup pass). */
const VIEW_MS = 1_000

export function createRolledCounts(search: Searcher, opts: { ttlMs: number; now?: () => number }): RolledCounts {
  const now = opts.now ?? Date.now
  const aggIndex = singleIndex(search.prefix, 'aggregates')
  const viewTtl = Math.min(opts.ttlMs, VIEW_MS)
  let cached: { at: number; view: Promise<View> } | undefined

  function view(): Promise<View> {
    if (cached && viewTtl > 0 && now() - cached.at < viewTtl) return cached.view
    const fresh = loadView().catch((err) => {
      if (cached?.view === fresh) cached = undefined
      throw err
    })
    cached = { at: now(), view: fresh }
    return fresh
  }

  async function loadView(): Promise<View> {
    const aliases = ROLLED_FAMILIES.map((f) => search.alias(f))
    const [indices, state] = await Promise.all([search.aliasedIndices(aliases), search.getCached([{ index: aggIndex, id: ROLLUP_STATE_ID }])])
    const partitions = new Map<PartitionedFamily, string[]>(ROLLED_FAMILIES.map((f) => [f, []]))
    for (const [index, aliasesOfIndex] of indices) {
      for (const family of ROLLED_FAMILIES) if (search.alias(family) in aliasesOfIndex) partitions.get(family)!.push(index)
    }
    const rollup = state.get(ROLLUP_STATE_ID)?._source?.state as RollupState | undefined
    return {
      partitions,
      settled: settledPartitions(rollup, now()),
      settledFor: new Map(COUNT_SPECS.map(({ name }) => [name, settledPartitions(rollup, now(), { counting: name })])),
      withEdges: settledPartitions(rollup, now(), { withEdges: true }),
    }
  }

  return {
    async settledOf(family) {
      const { partitions, settled, withEdges } = await view()
      const all = partitions.get(family)!
      const mine = all.filter((p) => settled.has(p))
      return {
        all,
        settled: new Set(mine),
        key: mine.map((p) => `${p}:${settled.get(p)}`).sort().join(','),
        withEdges: new Map(all.flatMap((p) => (withEdges.has(p) ? [[p, withEdges.get(p)!]] : []))),
      }
    },

    async holding(name, subjects) {
      const unique = [...new Set(subjects)]
      const spec = COUNT_SPEC.get(name)!
      const { partitions, settledFor } = await view()
      const settled = settledFor.get(name)!
      const all = partitions.get(spec.family)!
      // A subject too long for an id has no aggregate document: it may be anywhere.
      if (unique.length === 0 || !all.some((p) => settled.has(p)) || !unique.every(fitsAsId)) return undefined
      const keep = new Set(all.filter((p) => !settled.has(p)))
      const docs = await search.getCached(unique.map((id) => ({ index: aggIndex, id })))
      for (const doc of docs.values()) {
        const entries = (doc._source?.c as Record<string, Record<string, [number, number]> | undefined> | undefined)?.[name]
        if (!entries) continue
        for (const index of all) {
          const gen = settled.get(index)
          const entry = gen === undefined ? undefined : entries[partitionKey(search.prefix, index)]
          if (entry && entry[1] >= gen! && entry[0] > 0) keep.add(index)
        }
      }
      return all.filter((p) => keep.has(p))
    },

    async settledCount(name, subject) {
      if (!fitsAsId(subject)) return undefined
      const { partitions, settledFor } = await view()
      const settled = settledFor.get(name)!
      const all = partitions.get(COUNT_SPEC.get(name)!.family)!
      const doc = (await search.getCached([{ index: aggIndex, id: subject }])).get(subject)
      const entries = (doc?._source?.c as Record<string, Record<string, [number, number]> | undefined> | undefined)?.[name] ?? {}
      let count = 0
      const holding: string[] = []
      for (const index of all) {
        const gen = settled.get(index)
        const entry = gen === undefined ? undefined : entries[partitionKey(search.prefix, index)]
        if (entry && entry[1] >= gen! && entry[0] > 0) {
          count += entry[0]
          holding.push(index)
        }
      }
      return { count, partitions: holding }
    },

    async count(names, subjects) {
      const unique = [...new Set(subjects)]
      const out: Counted = new Map(unique.map((s) => [s, Object.fromEntries(names.map((n) => [n, 0])) as Record<CountName, number>]))
      if (unique.length === 0 || names.length === 0) return out
      const { partitions, settledFor } = await view()
      const byId = unique.filter(fitsAsId)
      const tooLong = unique.filter((s) => !fitsAsId(s))
      const usesSettled = byId.length > 0 && names.some((n) => partitions.get(COUNT_SPEC.get(n)!.family)!.some((p) => settledFor.get(n)!.has(p)))

      // Live counts: the unsettled partitions for every subject, every partition for subjects without a document.
      const searches: { name: CountName; req: SearchRequest }[] = []
      for (const name of names) {
        const spec = COUNT_SPEC.get(name)!
        const all = partitions.get(spec.family)!
        const settled = settledFor.get(name)!
        const live = all.filter((p) => !settled.has(p))
        const groups: [string[], string[]][] = [[byId, live], [tooLong, all]]
        for (const [values, indices] of groups) {
          if (values.length === 0 || indices.length === 0) continue
          searches.push({
            name,
            req: {
              index: spec.family,
              partitions: indices,
              body: {
                size: 0,
                track_total_hits: false,
                query: { bool: { filter: [{ terms: { [spec.field]: values } }], must_not: [NOT_DELETED] } },
                aggs: { by: exactTermsAgg(spec.field, values, { few: spec.few }) },
              },
            },
          })
        }
      }
      const [docs, results] = await Promise.all([
        usesSettled ? search.getCached(byId.map((id) => ({ index: aggIndex, id }))) : new Map(),
        search.many(searches.map((s) => s.req)),
      ])
      searches.forEach(({ name }, i) => {
        for (const [subject, n] of bucketCounts(results[i]!.aggregations?.by)) {
          const counts = out.get(subject)
          if (counts) counts[name] += n
        }
      })
      for (const [subject, doc] of docs) {
        const c = (doc._source?.c ?? {}) as Record<string, Record<string, [number, number]> | undefined>
        const counts = out.get(subject)
        if (!counts) continue
        for (const name of names) {
          const entries = c[name]
          if (!entries) continue
          for (const index of partitions.get(COUNT_SPEC.get(name)!.family)!) {
            const gen = settledFor.get(name)!.get(index)
            const entry = gen === undefined ? undefined : entries[partitionKey(search.prefix, index)]
            // An older generation's entry is a count the partition's last recount did not confirm: 0.
            if (entry && entry[1] >= gen!) counts[name] += entry[0]
          }
        }
      }
      return out
    },
  }
}
