import { createHash } from 'node:crypto'
import { CarBufferReader } from '@ipld/car/buffer-reader'
import type { CID } from 'multiformats/cid'

const SHA2_256 = 0x12

/** The blocks of a firehose CAR, each already checked against its CID. */
export interface CarBlocks {
  root: CID
  get(cid: CID): Uint8Array | undefined
}

/**
 * Reads a commit's CAR in one synchronous pass (the async readers cost more than the work on
 * a hot path), hashing every block with native SHA-256 and refusing any that does not match
 * its CID: nothing downstream ever sees bytes a CID does not vouch for.
 */
export function readCarBlocks(bytes: Uint8Array): CarBlocks {
  const reader = CarBufferReader.fromBytes(bytes)
  const root = reader.getRoots()[0]
  if (!root) throw new Error('CAR has no root')
  const blocks = new Map<string, Uint8Array>()
  for (const block of reader.blocks()) {
    if (block.cid.multihash.code !== SHA2_256) throw new Error(`block ${block.cid} uses an unsupported hash`)
    const digest = createHash('sha256').update(block.bytes).digest()
    if (!digest.equals(block.cid.multihash.digest)) throw new Error(`block ${block.cid} does not match its CID`)
    blocks.set(key(block.cid), block.bytes)
  }
  return { root, get: (cid) => blocks.get(key(cid)) }
}

// The CID's own bytes as a map key: no base32 encoding per lookup.
function key(cid: CID): string {
  return Buffer.from(cid.bytes.buffer, cid.bytes.byteOffset, cid.bytes.byteLength).toString('latin1')
}
