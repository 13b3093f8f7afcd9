// Repo CARs an attacker could serve from their own PDS: properly hashed blocks and a commit
// signed with the DID's own key, around a tree shaped to cost the reader — shared subtrees,
// keys out of order, an endless chain, a node of countless entries — or bytes that lie (a
// block under another block's CID, a cut-off download). Built with the same libraries Magpie
// reads them with, so each is exactly what it says and nothing more.
import { CarWriter } from '@ipld/car'
import * as dagCbor from '@ipld/dag-cbor'
import { TID } from '@atproto/common-web'
import { Secp256k1Keypair } from '@atproto/crypto'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'

function like(rkey: string): Record<string, unknown> {
  return {
    $type: 'app.bsky.feed.like',
    subject: { uri: `at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/${rkey}`, cid: 'bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm' },
    createdAt: '2024-05-01T00:00:00.000Z',
  }
}

interface Entry {
  p: number
  k: Uint8Array
  v: CID
  t: CID | null
}

export interface CraftedRepo {
  did: string
  /** did:key of the key the commit is signed with. */
  signingKey: string
  rev: string
  commit: CID
  car: Uint8Array
}

/** Blocks of a crafted repo, and the signed commit that names its tree. */
export class RepoBuilder {
  private readonly blocks: { cid: CID; bytes: Uint8Array }[] = []

  async put(value: unknown): Promise<CID> {
    const bytes = dagCbor.encode(value)
    const cid = CID.createV1(dagCbor.code, await sha256.digest(bytes))
    this.blocks.push({ cid, bytes })
    return cid
  }

  /** A block whose bytes are not the ones its CID hashes. */
  putLying(cid: CID, bytes: Uint8Array): void {
    this.blocks.push({ cid, bytes })
  }

  /** A valid like record, the value every crafted key points at unless told otherwise. */
  like(): Promise<CID> {
    return this.put(like('3kabc'))
  }

  /** An MST node whose entries carry full keys (no prefix compression: simpler, equally valid). */
  node(left: CID | null, entries: { key: string; value: CID; right?: CID | null }[]): Promise<CID> {
    const e: Entry[] = entries.map(({ key, value, right }) => ({ p: 0, k: new TextEncoder().encode(key), v: value, t: right ?? null }))
    return this.put({ l: left, e })
  }

  async signed(did: string, data: CID, key?: Secp256k1Keypair): Promise<CraftedRepo> {
    const signer = key ?? (await Secp256k1Keypair.create())
    const rev = TID.nextStr()
    const unsigned = { did, version: 3, data, rev, prev: null }
    const commit = await this.put({ ...unsigned, sig: await signer.sign(dagCbor.encode(unsigned)) })
    const { writer, out } = CarWriter.create([commit])
    const chunks: Uint8Array[] = []
    const collected = (async () => {
      for await (const chunk of out) chunks.push(chunk)
    })()
    // The commit first, as getRepo sends it.
    for (const block of [this.blocks[this.blocks.length - 1]!, ...this.blocks.slice(0, -1)]) await writer.put(block)
    await writer.close()
    await collected
    return { did, signingKey: signer.did(), rev, commit, car: new Uint8Array(Buffer.concat(chunks)) }
  }
}

/** `n` like keys in increasing order. */
export function likeKeys(n: number): string[] {
  return Array.from({ length: n }, () => `app.bsky.feed.like/${TID.nextStr()}`)
}

/** An honest crafted repo: one node of `n` likes, each of its own post. */
export async function plainRepo(did: string, n: number): Promise<CraftedRepo> {
  const b = new RepoBuilder()
  const entries = []
  for (const key of likeKeys(n)) entries.push({ key, value: await b.put(like(key.slice(key.indexOf('/') + 1))) })
  return b.signed(did, await b.node(null, entries))
}

/**
 * Every node points at the one below it twice (left and right of its single key): `depth`+1
 * blocks that a walk without a visited check expands into 2^depth paths.
 */
export async function repeatedSubtrees(did: string, depth: number): Promise<CraftedRepo> {
  const b = new RepoBuilder()
  const like = await b.like()
  const keys = likeKeys(depth + 1)
  let child = await b.node(null, [{ key: keys[0]!, value: like }])
  for (let level = 1; level <= depth; level++) child = await b.node(child, [{ key: keys[level]!, value: like, right: child }])
  return b.signed(did, child)
}

/** A key in the left subtree that sorts after the node's own key: each node alone looks fine. */
export async function outOfOrderKeys(did: string): Promise<CraftedRepo> {
  const b = new RepoBuilder()
  const like = await b.like()
  const [low, high] = likeKeys(2)
  const left = await b.node(null, [{ key: high!, value: like }])
  return b.signed(did, await b.node(left, [{ key: low!, value: like }]))
}

/** `depth` nodes of no entries, each the left subtree of the one above, over one like. */
export async function deepChain(did: string, depth: number): Promise<CraftedRepo> {
  const b = new RepoBuilder()
  const like = await b.like()
  let node = await b.node(null, [{ key: likeKeys(1)[0]!, value: like }])
  for (let i = 0; i < depth; i++) node = await b.node(node, [])
  return b.signed(did, node)
}

/** A repo whose one record block holds other bytes than its CID names. */
export async function cidMismatch(did: string): Promise<CraftedRepo> {
  const b = new RepoBuilder()
  const cid = CID.createV1(dagCbor.code, await sha256.digest(dagCbor.encode(like('3kabc'))))
  b.putLying(cid, dagCbor.encode(like('3kxyz')))
  return b.signed(did, await b.node(null, [{ key: likeKeys(1)[0]!, value: cid }]))
}

/** An honest repo cut off inside its last block, as a dropped download ends. */
export async function truncatedBlock(did: string): Promise<CraftedRepo> {
  const repo = await plainRepo(did, 20)
  return { ...repo, car: repo.car.subarray(0, repo.car.length - 7) }
}

/**
 * A post whose one extra field is an array of `items` zeros: a byte each in the CAR, a few
 * dozen each once decoded. Within every structural bound; only memory stops it.
 */
export async function memoryBomb(did: string, items: number): Promise<CraftedRepo> {
  const b = new RepoBuilder()
  const post = await b.put({ $type: 'app.bsky.feed.post', text: 'hello', createdAt: '2024-05-01T00:00:00.000Z', padding: new Array<number>(items).fill(0) })
  return b.signed(did, await b.node(null, [{ key: `app.bsky.feed.post/${TID.nextStr()}`, value: post }]))
}
