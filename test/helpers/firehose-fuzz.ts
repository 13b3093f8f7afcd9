import http from 'node:http'
import { TID } from '@atproto/common-web'
import { Secp256k1Keypair } from '@atproto/crypto'
import { blocksToCarFile, BlockMap, MemoryBlockstore, Repo, WriteOpAction, type CommitData } from '@atproto/repo'
import { MessageFrame } from '@atproto/xrpc-server'
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { WebSocketServer } from 'ws'
import type { Rng } from '#devnet/rng.js'
import { listenOn } from '#/server/listen.js'

/**
 * Firehose frames for the ingest fuzz: honest `#commit`s of one signed repo (built with
 * @atproto/repo, as a PDS builds them), and hostile variants of them — bytes flipped or cut,
 * fields of the wrong type, CIDs and paths that lie, blocks altered or missing, a commit
 * re-signed by another key. Each hostile frame says whether it must be refused: a mutation of
 * what is signed can never verify; noise may or may not leave a decodable, honest commit.
 */

export interface Account {
  did: string
  keypair: Secp256k1Keypair
  repo: Repo
}

export interface CommitParts {
  commit: CommitData
  path: string
  recordCid: CID
  record: ReturnType<typeof post>
}

export async function createAccount(did: string): Promise<Account> {
  const keypair = await Secp256k1Keypair.create()
  const repo = await Repo.create(new MemoryBlockstore(), did, keypair)
  return { did, keypair, repo }
}

export function post(text: string): { $type: string; text: string; createdAt: string } {
  return { $type: 'app.bsky.feed.post', text, createdAt: new Date().toISOString() }
}

/** A signed commit creating one post. `apply`: it becomes the repo's state (an honest commit in the chain). */
export async function commitPost(account: Account, text: string, apply: boolean): Promise<CommitParts> {
  const record = post(text)
  const path = `app.bsky.feed.post/${TID.nextStr()}`
  const [collection, rkey] = path.split('/') as [`${string}.${string}.${string}`, string]
  const commit = await account.repo.formatCommit({ action: WriteOpAction.Create, collection, rkey, record }, account.keypair)
  if (apply) account.repo = await account.repo.applyCommit(commit)
  const recordCid = CID.createV1(dagCbor.code, await sha256.digest(dagCbor.encode(record)))
  return { commit, path, recordCid, record }
}

/** The `#commit` message body for a commit, as a relay sends it. */
export async function commitBody(account: Account, parts: CommitParts, seq: number, blocks?: BlockMap): Promise<Record<string, unknown>> {
  const all = new BlockMap()
  all.addMap(parts.commit.newBlocks)
  all.addMap(parts.commit.relevantBlocks)
  return {
    seq,
    rebase: false,
    tooBig: false,
    repo: account.did,
    commit: parts.commit.cid,
    rev: parts.commit.rev,
    since: parts.commit.since,
    blocks: await blocksToCarFile(parts.commit.cid, blocks ?? all),
    ops: [{ action: 'create', path: parts.path, cid: parts.recordCid }],
    blobs: [],
    time: new Date().toISOString(),
  }
}

export function frameBytes(body: Record<string, unknown>, type = '#commit'): Uint8Array {
  return new MessageFrame(body as never, { type }).toBytes()
}

export interface HostileFrame {
  bytes: Uint8Array
  /** What was done, for failure messages. */
  mutation: string
  /** The hostile commit's record must not be indexed (what vouches for it was broken). */
  mustNotIndex: boolean
  /**
   * The frame decodes to a lexicon-valid commit whose proof is broken: the verifier must refuse
   * it (or the operation) with a warning naming its seq.
   */
  verifierRefuses: boolean
}

const flip = (bytes: Uint8Array, rng: Rng, bits: number): Uint8Array => {
  const out = new Uint8Array(bytes)
  for (let i = 0; i < bits; i++) out[rng.int(out.length)]! ^= 1 << rng.int(8)
  return out
}

/**
 * One hostile frame made from an honest commit (never applied to the repo) at `seq`.
 * `other` is a second account, whose key and DID a forgery borrows.
 */
export async function hostileFrame(rng: Rng, account: Account, parts: CommitParts, seq: number, other: Account): Promise<HostileFrame> {
  const body = await commitBody(account, parts, seq)
  const honest = frameBytes(body)
  const blockMap = () => {
    const m = new BlockMap()
    m.addMap(parts.commit.newBlocks)
    m.addMap(parts.commit.relevantBlocks)
    return m
  }
  switch (rng.int(16)) {
    case 0:
      return { bytes: flip(honest, rng, rng.range(1, 8)), mutation: 'bit flips anywhere in the frame', mustNotIndex: false, verifierRefuses: false }
    case 1:
      return { bytes: honest.subarray(0, rng.int(honest.length)), mutation: 'frame truncated', mustNotIndex: false, verifierRefuses: false }
    case 2:
      return {
        bytes: rng.pick([new Uint8Array(0), new Uint8Array([0xff]), Buffer.from('not cbor at all'), new Uint8Array(4096).map(() => rng.int(256))]),
        mutation: 'junk bytes',
        mustNotIndex: true,
        verifierRefuses: false,
      }
    case 3: {
      // A required field of the wrong type (or gone).
      const field = rng.pick(['seq', 'repo', 'commit', 'rev', 'blocks', 'ops', 'time', 'tooBig', 'blobs'])
      const swapped = rng.pick<unknown>(['x', 42, -1, null, undefined, true, [], {}, new Uint8Array([1, 2, 3]), parts.recordCid])
      return { bytes: frameBytes({ ...body, [field]: swapped }), mutation: `${field} → ${String(swapped)}`, mustNotIndex: !['seq', 'time', 'tooBig', 'blobs', 'ops'].includes(field), verifierRefuses: false }
    }
    case 4: {
      const ops = body.ops as { action: string; path: string; cid: CID | null }[]
      // (An update of the same path to the same CID is what the tree holds: not a lie.)
      const op = rng.pick([
        { ...ops[0]!, cid: other.repo.cid },
        { ...ops[0]!, path: `app.bsky.feed.post/${TID.nextStr()}` },
        { ...ops[0]!, path: 'app.bsky.feed.like/' + ops[0]!.path.split('/')[1] },
        { ...ops[0]!, action: 'delete', cid: null },
        { ...ops[0]!, path: 'app.bsky.feed.post/zz' },
      ])
      return { bytes: frameBytes({ ...body, ops: [op] }), mutation: `op lies: ${JSON.stringify({ ...op, cid: String(op.cid) })}`, mustNotIndex: true, verifierRefuses: true }
    }
    case 5:
      return { bytes: frameBytes({ ...body, commit: parts.recordCid }), mutation: 'commit CID names another block', mustNotIndex: true, verifierRefuses: true }
    case 6: {
      // The record's bytes replaced under its CID.
      const blocks = blockMap()
      blocks.set(parts.recordCid, dagCbor.encode(post('altered after signing')))
      return { bytes: frameBytes({ ...body, blocks: await blocksToCarFile(parts.commit.cid, blocks) }), mutation: 'record block altered', mustNotIndex: true, verifierRefuses: true }
    }
    case 7: {
      // One the proof needs (others of the relevant blocks may be spared: the tree's other branches).
      const blocks = blockMap()
      const victim = rng.pick(['commit', 'record'] as const)
      blocks.delete(victim === 'commit' ? parts.commit.cid : parts.recordCid)
      return { bytes: frameBytes({ ...body, blocks: await blocksToCarFile(parts.commit.cid, blocks) }), mutation: `${victim} block left out`, mustNotIndex: true, verifierRefuses: true }
    }
    case 8: {
      const car = body.blocks as Uint8Array
      return { bytes: frameBytes({ ...body, blocks: car.subarray(0, rng.int(car.length)) }), mutation: 'CAR truncated', mustNotIndex: true, verifierRefuses: true }
    }
    case 9: {
      const car = body.blocks as Uint8Array
      return { bytes: frameBytes({ ...body, blocks: flip(car, rng, rng.range(1, 4)) }), mutation: 'CAR bits flipped', mustNotIndex: false, verifierRefuses: false }
    }
    case 10:
      return { bytes: frameBytes(await resigned(account, parts, seq, other.keypair)), mutation: 'commit signed by another key', mustNotIndex: true, verifierRefuses: true }
    case 11:
      return { bytes: frameBytes(await resigned(account, parts, seq, account.keypair, true)), mutation: 'signature bits flipped', mustNotIndex: true, verifierRefuses: true }
    case 12:
      return { bytes: frameBytes({ ...body, repo: other.did }), mutation: 'announced for another repo', mustNotIndex: true, verifierRefuses: true }
    case 13:
      return { bytes: frameBytes({ ...body, rev: TID.nextStr() }), mutation: 'rev differs from the signed one', mustNotIndex: true, verifierRefuses: true }
    case 14: {
      const ops = body.ops as unknown[]
      return { bytes: frameBytes({ ...body, ops: Array.from({ length: rng.pick([201, 5000]) }, () => ops[0]) }), mutation: 'thousands of ops', mustNotIndex: true, verifierRefuses: false }
    }
    default: {
      const type = rng.pick(['#unknown', '', '#identity', '#account', '#error'])
      const bytes = type === '#error' ? frameBytes({ error: 'FutureCursor', message: 'x' }, type) : frameBytes(body, type)
      return { bytes, mutation: `a commit sent as type "${type}"`, mustNotIndex: true, verifierRefuses: false }
    }
  }
}

/** The commit re-signed by `key` (or with its signature's bits flipped), under its new CID. */
async function resigned(account: Account, parts: CommitParts, seq: number, key: Secp256k1Keypair, flipSig = false): Promise<Record<string, unknown>> {
  const block = parts.commit.newBlocks.get(parts.commit.cid)!
  const { sig, ...unsigned } = dagCbor.decode(block) as { sig: Uint8Array }
  let newSig = flipSig ? new Uint8Array(sig) : await key.sign(dagCbor.encode(unsigned))
  if (flipSig) newSig[newSig.length >> 1]! ^= 0x10
  const bytes = dagCbor.encode({ ...unsigned, sig: newSig })
  const cid = CID.createV1(dagCbor.code, await sha256.digest(bytes))
  const blocks = new BlockMap()
  blocks.addMap(parts.commit.newBlocks)
  blocks.addMap(parts.commit.relevantBlocks)
  blocks.delete(parts.commit.cid)
  blocks.set(cid, bytes)
  const body = await commitBody(account, { ...parts, commit: { ...parts.commit, cid } }, seq, blocks)
  return body
}

/** A relay on loopback that sends `frames` to its first subscriber, in order. Counts connections. */
export async function startFrameRelay(frames: Uint8Array[]): Promise<{ url: string; connections: number; close(): Promise<void> }> {
  const server = http.createServer()
  const wss = new WebSocketServer({ server, path: '/xrpc/com.atproto.sync.subscribeRepos' })
  const relay = { url: '', connections: 0, close: async () => {} }
  wss.on('connection', (socket) => {
    if (relay.connections++ > 0) return
    for (const frame of frames) socket.send(frame)
  })
  relay.url = `ws://127.0.0.1:${await listenOn(server, 0, '127.0.0.1')}`
  relay.close = async () => {
    for (const client of wss.clients) client.terminate()
    await new Promise<void>((resolve) => wss.close(() => resolve()))
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  return relay
}
