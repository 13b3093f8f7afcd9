import { createHash } from 'node:crypto'

/**
 * One of `count` backfill processes (`magpie backfill --shard index/count`): it takes the repos
 * whose DID hashes to `index` and passes over the rest, so `count` processes started with every
 * index split any listing between them, each repo to exactly one, with nothing shared to agree on.
 */
export interface BackfillShard {
  index: number
  count: number
}

/** `i/n` with 0 ≤ i < n; throws with what is wrong. */
export function parseShard(text: string): BackfillShard {
  const m = /^(\d{1,6})\/(\d{1,6})$/.exec(text.trim())
  if (!m) throw new Error(`--shard: ${JSON.stringify(text)} is not i/n (e.g. 0/4)`)
  const index = Number(m[1])
  const count = Number(m[2])
  if (count < 1) throw new Error(`--shard: ${text}: the number of shards must be at least 1`)
  if (index >= count) throw new Error(`--shard: ${text}: the shard index runs from 0 to ${count - 1}`)
  return { index, count }
}

/**
 * The shard a DID belongs to: the first four bytes of the SHA-256 of the DID string (UTF-8), read
 * as an unsigned big-endian integer, modulo `count`. Hashed rather than read off the DID because
 * did:web names and did:plc identifiers are shaped differently (a range of characters would split
 * them unevenly), and SHA-256 because anyone can compute the same split to check which process
 * had a repo.
 */
export function shardOf(did: string, count: number): number {
  return createHash('sha256').update(did, 'utf8').digest().readUInt32BE(0) % count
}

export function inShard(did: string, shard: BackfillShard | undefined): boolean {
  return !shard || shard.count === 1 || shardOf(did, shard.count) === shard.index
}

export function shardName(shard: BackfillShard): string {
  return `${shard.index}/${shard.count}`
}
