// What a repo host needs to know about a repo CAR without loading it: its root commit (DID,
// rev, head) and, for fault injection, where a record block sits so one byte can be flipped.
import { createReadStream } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import { CarIndexer } from '@ipld/car/indexer'
import { CarBlockIterator } from '@ipld/car/iterator'
import * as dagCbor from '@ipld/dag-cbor'
import type { CID } from 'multiformats/cid'

export type CarSource = { path: string } | { bytes: Uint8Array }

export interface CarRepoHead {
  did: string
  /** The commit's rev; v2 commits have none, so they get the smallest TID. */
  rev: string
  /** CID of the root (commit) block. */
  head: string
  version: number
}

/** Where corrupting a CAR flips a byte: inside a record block, keeping it decodable. */
export interface CarCorruption {
  /** The record block's CID, which its bytes no longer match. */
  cid: string
  /** Absolute byte offset in the CAR. */
  offset: number
  /** The byte to send there instead. */
  byte: number
}

const SMALLEST_TID = '2222222222222'

async function * carInput (source: CarSource): AsyncGenerator<Uint8Array> {
  if ('bytes' in source) {
    yield source.bytes
    return
  }
  const stream = createReadStream(source.path, { highWaterMark: 256 * 1024 })
  try {
    yield * stream as AsyncIterable<Buffer>
  } finally {
    // Readers stop early (at the root block); release the file descriptor now.
    stream.destroy()
  }
}

/** Reads a repo CAR only as far as its root commit. */
export async function readCarHead (source: CarSource): Promise<CarRepoHead> {
  const blocks = await CarBlockIterator.fromIterable(carInput(source))
  const [root] = await blocks.getRoots()
  if (!root) throw new Error(`${describe(source)}: CAR has no root`)
  for await (const block of blocks) {
    if (!block.cid.equals(root)) continue
    const commit = dagCbor.decode(block.bytes) as { did?: unknown, rev?: unknown, version?: unknown }
    if (typeof commit.did !== 'string') throw new Error(`${describe(source)}: root block is not a repo commit`)
    return {
      did: commit.did,
      rev: typeof commit.rev === 'string' ? commit.rev : SMALLEST_TID,
      head: root.toString(),
      version: typeof commit.version === 'number' ? commit.version : 0
    }
  }
  throw new Error(`${describe(source)}: root block ${root} is missing`)
}

/** Repo host entries for CAR files (e.g. real repo exports), read from their root commits. */
export async function reposFromCarFiles (paths: string[]): Promise<{ did: string, rev: string, head: string, carPath: string, carSize: number }[]> {
  const repos = []
  const seen = new Set<string>()
  for (const carPath of paths) {
    const head = await readCarHead({ path: carPath })
    if (seen.has(head.did)) throw new Error(`${carPath}: a second CAR for ${head.did}`)
    seen.add(head.did)
    repos.push({ did: head.did, rev: head.rev, head: head.head, carPath, carSize: (await stat(carPath)).size })
  }
  return repos
}

/**
 * Picks the first record block with a `createdAt` string and the last digit of its
 * milliseconds as the byte to change: the block still decodes as a valid record, so only
 * checking it against its CID reveals the lie.
 */
export async function findRecordCorruption (source: CarSource): Promise<CarCorruption> {
  const index = await CarIndexer.fromIterable(carInput(source))
  const [root] = await index.getRoots()
  const file = 'path' in source ? await open(source.path, 'r') : undefined
  try {
    for await (const entry of index) {
      if (root && entry.cid.equals(root)) continue
      const bytes = file
        ? (await file.read(Buffer.alloc(entry.blockLength), 0, entry.blockLength, entry.blockOffset)).buffer
        : (source as { bytes: Uint8Array }).bytes.subarray(entry.blockOffset, entry.blockOffset + entry.blockLength)
      const at = createdAtDigit(bytes)
      if (at === undefined) continue
      const digit = bytes[at]!
      return { cid: (entry.cid as CID).toString(), offset: entry.blockOffset + at, byte: digit === 0x39 ? 0x30 : digit + 1 }
    }
  } finally {
    await file?.close()
  }
  throw new Error(`${describe(source)}: no record block to corrupt`)
}

/** Offset (within the block) of the last digit of a record's createdAt, if it has one. */
function createdAtDigit (block: Uint8Array): number | undefined {
  let value: unknown
  try {
    value = dagCbor.decode(block)
  } catch {
    return undefined
  }
  const record = value as { $type?: unknown, createdAt?: unknown }
  if (typeof record.$type !== 'string' || typeof record.createdAt !== 'string') return undefined
  const text = Buffer.from(record.createdAt, 'utf8')
  const start = Buffer.from(block.buffer, block.byteOffset, block.byteLength).indexOf(text)
  if (start < 0) return undefined
  for (let i = start + text.length - 1; i >= start; i--) {
    if (block[i]! >= 0x30 && block[i]! <= 0x39) return i
  }
  return undefined
}

function describe (source: CarSource): string {
  return 'path' in source ? source.path : 'CAR bytes'
}
