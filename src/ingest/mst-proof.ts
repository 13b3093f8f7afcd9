import * as dagCbor from '@ipld/dag-cbor'
import type { CID } from 'multiformats/cid'
import type { CarBlocks } from '#/ingest/car-blocks.js'

interface MstNode {
  l: CID | null
  e: { p: number; k: Uint8Array; v: CID; t: CID | null }[]
}

/**
 * The value stored under `key` in the MST rooted at `root`, walking only the nodes on the key's
 * path (what a commit's proof carries); null when the key is absent. A missing node on the path
 * means the proof is incomplete, which is an error, not an absence.
 */
export function mstLookup(blocks: CarBlocks, root: CID, key: string): CID | null {
  let cid: CID | null = root
  while (cid) {
    const bytes = blocks.get(cid)
    if (!bytes) throw new Error(`MST proof is missing node ${cid}`)
    const node = dagCbor.decode(bytes) as MstNode
    if (!node || !Array.isArray(node.e)) throw new Error(`MST node ${cid} is malformed`)
    // Entries are sorted; each key is stored as a prefix length shared with the previous key plus a suffix.
    let previous = ''
    let next: CID | null = node.l
    for (const entry of node.e) {
      const entryKey = previous.slice(0, entry.p) + Buffer.from(entry.k).toString('latin1')
      previous = entryKey
      if (key === entryKey) return entry.v
      if (key < entryKey) break
      next = entry.t
    }
    cid = next
  }
  return null
}
