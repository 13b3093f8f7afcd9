import type { RecordFamily } from '#/indexing/family.js'
import { tidMicros } from '#/indexing/tid.js'

/**
 * Where a record lives, from its AT URI alone: a delete carries no content, so the index must
 * be derivable without a lookup (one request per delete, never a scan).
 *
 * Partitioned families go to monthly indices by the TID rkey's time. Record keys are chosen by
 * clients, so a time outside [2022-01, PARTITION_HORIZON) — or a key that is not a TID — goes to
 * one `-other` partition instead: a hostile key cannot make the cluster create an index per month
 * of the next century. Moving the horizon later is a `magpie reindex`.
 */
const FIRST_PARTITION_MS = Date.UTC(2022, 0, 1)
const PARTITION_HORIZON_MS = Date.UTC(2031, 0, 1)

export const OTHER_PARTITION = 'other'
export const SINGLE_PARTITION = 'all'

export function partitionForRkey(rkey: string): string {
  const micros = tidMicros(rkey)
  if (micros === undefined) return OTHER_PARTITION
  const ms = Math.floor(micros / 1000)
  if (ms < FIRST_PARTITION_MS || ms >= PARTITION_HORIZON_MS) return OTHER_PARTITION
  const d = new Date(ms)
  return `${d.getUTCFullYear()}.${String(d.getUTCMonth() + 1).padStart(2, '0')}`
}

/** The concrete index a record of `family` with this rkey is written to (and deleted from). */
export function routeIndexForRecord(prefix: string, family: RecordFamily, rkey: string): string {
  const partition = family.partitioned ? partitionForRkey(rkey) : SINGLE_PARTITION
  return `${prefix}${family.index}-${partition}`
}

/** The read alias covering every partition of a family. */
export function readAlias(prefix: string, indexBase: string): string {
  return `${prefix}${indexBase}`
}

/** Index for non-record documents that are not partitioned (actors, state). */
export function singleIndex(prefix: string, indexBase: string): string {
  return `${prefix}${indexBase}-${SINGLE_PARTITION}`
}

/** A record's document id: its AT URI, which is also what every other record refers to it by. */
export function recordId(did: string, collection: string, rkey: string): string {
  return `at://${did}/${collection}/${rkey}`
}
