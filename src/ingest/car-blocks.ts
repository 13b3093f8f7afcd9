import { createHash } from 'node:crypto'
import { CarBufferReader } from '@ipld/car/buffer-reader'
import type { CID } from 'multiformats/cid'

const SHA2_256 = 0x12
/** The fixed first bytes of a CARv2 (its pragma); atproto repos and commits are CARv1. */
const CAR_V2_PRAGMA = Uint8Array.of(0x0a, 0xa1, 0x67, 0x76, 0x65, 0x72, 0x73, 0x69, 0x6f, 0x6e, 0x02)

/** The blocks of a firehose CAR, each already checked against its CID. */
export interface CarBlocks {
  root: CID
  get(cid: CID): Uint8Array | undefined
}

/**
 * Reads a commit's CAR in one synchronous pass (the async readers cost more than the work on
 * a hot path), hashing every block with native SHA-256 and refusing any that does not match
 * its CID: nothing downstream ever sees bytes a CID does not vouch for. With `maxBlocks`, a CAR
 * holding more blocks is refused before any of them is decoded (the reader materializes every
 * block at once, which for a CAR of tiny blocks costs far more memory than its bytes).
 */
export function readCarBlocks(bytes: Uint8Array, opts: { maxBlocks?: number } = {}): CarBlocks {
  if (opts.maxBlocks !== undefined) {
    const sections = countCarSections(bytes, opts.maxBlocks + 1)
    if (sections > opts.maxBlocks) throw new CarLimitError(`CAR has more than ${opts.maxBlocks} blocks`)
  }
  const reader = CarBufferReader.fromBytes(bytes)
  const root = reader.getRoots()[0]
  if (!root) throw new Error('CAR has no root')
  const blocks = new Map<string, Uint8Array>()
  for (const block of reader.blocks()) {
    if (block.cid.multihash.code !== SHA2_256) throw new Error(`block ${block.cid} uses an unsupported hash`)
    const digest = createHash('sha256').update(block.bytes).digest()
    if (!digest.equals(block.cid.multihash.digest)) throw new Error(`block ${block.cid} does not match its CID`)
    blocks.set(cidKey(block.cid), block.bytes)
  }
  return { root, get: (cid) => blocks.get(cidKey(cid)) }
}

/** A CAR refused for its size alone, not for being malformed. */
export class CarLimitError extends Error {
  override name = 'CarLimitError'
}

/**
 * Blocks of a CARv1, counted from the section lengths alone (nothing decoded or allocated),
 * stopping at `stopAt`. A malformed or truncated tail just ends the count: the reader that
 * follows says what is wrong with it.
 */
function countCarSections(bytes: Uint8Array, stopAt: number): number {
  if (CAR_V2_PRAGMA.every((b, i) => bytes[i] === b)) throw new Error('CAR is a CARv2; atproto repos are CARv1')
  let pos = 0
  let sections = -1 // the first section is the header
  while (pos < bytes.length && sections < stopAt) {
    let length = 0
    let scale = 1
    for (let i = 0; ; i++) {
      if (pos >= bytes.length || i > 8) return Math.max(sections, 0)
      const b = bytes[pos++]!
      length += (b & 0x7f) * scale
      scale *= 128
      if (b < 0x80) break
    }
    pos += length
    sections++
  }
  return Math.max(sections, 0)
}

/** The CID's own bytes as a map key: no base32 encoding per lookup. */
export function cidKey(cid: CID): string {
  return Buffer.from(cid.bytes.buffer, cid.bytes.byteOffset, cid.bytes.byteLength).toString('latin1')
}
