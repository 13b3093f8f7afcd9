/**
 * Which partitions of a family are settled (counted from aggregate documents) and which are
 * still written to (counted live). Live writes land in the partitions of the last months — a
 * record's partition is its rkey's month — so those are always counted live, whatever the
 * rollup last saw; older months settle once the rollup has counted them and nothing has been
 * written to them since.
 */

import { COUNT_SPECS, FIRST_COUNT_NAMES, type CountName, type PartitionedFamily } from '#/aggregates/specs.js'

/**
 * For this long into a month the month before is live too: writes stamped late in it still
 * arrive (a consumer catching up after a stop, a relay replaying its window, a write of the 31st
 * a moment before midnight). After it, that month settles once it holds still, and a stray write
 * into it is handled as one into any older month: the rollup sees its shards move, readers
 * count it live again, and it is recounted once quiet. A second live month for the whole month
 * cost every count and viewer-state search a second shard.
 */
export const PREVIOUS_MONTH_GRACE_MS = 3 * 24 * 3600_000

/** The month of a partition's concrete index name (`<prefix><family>-YYYY.MM[-vN]`) as a month number; undefined for `-other`. */
export function partitionMonth(index: string): number | undefined {
  const m = /-(\d{4})\.(\d{2})(?:-v\d+)?$/.exec(index)
  return m ? Number(m[1]) * 12 + Number(m[2]) - 1 : undefined
}

/** Whether the partition is among the months live writes go to (never settled): the current one (or later), and the one before during its grace. */
export function isLiveMonth(index: string, now: number): boolean {
  const month = partitionMonth(index)
  if (month === undefined) return false
  const d = new Date(now)
  const current = d.getUTCFullYear() * 12 + d.getUTCMonth()
  if (month >= current) return true
  return month === current - 1 && now - Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) < PREVIOUS_MONTH_GRACE_MS
}

/** Key of a partition in aggregate documents: its name without the prefix, without dots (stored source keys stay plain). */
export function partitionKey(prefix: string, index: string): string {
  return (index.startsWith(prefix) ? index.slice(prefix.length) : index).replaceAll('.', '_')
}

/** What the rollup knows of each partition, kept in the aggregates index (id `_rollup`). */
export interface RollupState {
  /** The next generation to hand out: every recount gets a new one, even one cut short. */
  nextGen: number
  partitions: Record<string, PartitionState>
}

export interface PartitionState {
  /** The generation of the entries its last recount wrote. */
  gen: number
  /** Counted, and nothing written to it since: readers use its entries instead of searching it. */
  settled: boolean
  /** The shards' checkpoints (and the index's uuid) its entries were counted at. */
  fingerprint?: string
  /**
   * Its edge documents (edges.ts) were written at this generation too. Absent for partitions of
   * families without edges, settled before edges existed, or holding records without a record
   * key in doc values: readers search those for a pair instead.
   */
  edges?: boolean
  /** The counts its last recount wrote (absent: settled by a Magpie that knew only FIRST_COUNT_NAMES). */
  counted?: CountName[]
}

/** The counts a partition's entries hold. */
export function countedIn(p: PartitionState): readonly CountName[] {
  return p.counted ?? FIRST_COUNT_NAMES
}

/** The counts a family's recount writes today. */
export function countNamesOf(family: PartitionedFamily): CountName[] {
  return COUNT_SPECS.filter((s) => s.family === family).map((s) => s.name)
}

export function emptyRollupState(): RollupState {
  return { nextGen: 1, partitions: {} }
}

/**
 * The partitions readers may take from aggregate documents, with the generation their entries
 * must have: settled, and not a live month by the clock (`withEdges`: and with complete edge
 * documents; `counting`: and with entries of that count).
 */
export function settledPartitions(state: RollupState | undefined, now: number, opts: { withEdges?: boolean; counting?: CountName } = {}): Map<string, number> {
  const out = new Map<string, number>()
  for (const [index, p] of Object.entries(state?.partitions ?? {})) {
    if (!p.settled || (opts.withEdges && !p.edges) || isLiveMonth(index, now)) continue
    // Settled before this count existed: it has no entries for it, so it is searched for it.
    if (opts.counting && !countedIn(p).includes(opts.counting)) continue
    out.set(index, p.gen)
  }
  return out
}
