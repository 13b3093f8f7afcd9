/**
 * Worker side of gen-repos: turns one account's records into a complete, signed v3 repo CAR
 * with @atproto/repo's MST, and checks finished CARs with @atproto/repo's verifier.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { parentPort, workerData } from 'node:worker_threads'
import { P256Keypair, Secp256k1Keypair } from '@atproto/crypto'
import { MST, MemoryBlockstore, concatBytesAsync, getFullRepo, signCommit, verifyRepoCar } from '@atproto/repo'
import * as dagCbor from '@ipld/dag-cbor'
import type { CID } from 'multiformats/cid'
import { carBytes, cidOf, type Alg } from './atproto-primitives.js'
import type { BlockOrder } from './repo-corpus.js'

export interface RepoJob {
  idx: number
  did: string
  alg: Alg
  /** 32 bytes: the signing key's private scalar. */
  keySeed: Uint8Array
  rev: string
  /** Where the CAR goes. */
  file: string
  blockOrder: BlockOrder
  /** Data keys (collection/rkey), one per record. */
  keys: string[]
  /** Every record's DAG-CBOR bytes, back to back; record i ends at ends[i]. */
  data: Uint8Array
  ends: Uint32Array
}

export interface BuiltRepo {
  idx: number
  head: string
  signingKey: string
  bytes: number
  mstNodes: number
}

export interface VerifyJob {
  file: string
  did: string
  signingKey: string
  byCollection: Record<string, number>
}

export type ToBuilder = { kind: 'build'; job: RepoJob } | { kind: 'verify'; job: VerifyJob }
export type FromBuilder =
  | { kind: 'built'; repo: BuiltRepo }
  | { kind: 'verified'; did: string; problem?: string }
  | { kind: 'error'; message: string }

export async function buildRepo (job: RepoJob): Promise<BuiltRepo> {
  const records = job.keys.map((key, i) => ({ key, bytes: job.data.subarray(i === 0 ? 0 : job.ends[i - 1], job.ends[i]) }))
  records.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  const storage = new MemoryBlockstore()
  let mst = await MST.create(storage)
  const leaves: [CID, Uint8Array][] = []
  for (const r of records) {
    const cid = cidOf(r.bytes)
    leaves.push([cid, r.bytes])
    mst = await mst.add(r.key, cid as never)
  }
  const { root, blocks: nodes } = await mst.getUnstoredBlocks()
  const keypair = job.alg === 'ES256' ? await P256Keypair.import(job.keySeed) : await Secp256k1Keypair.import(job.keySeed)
  const commit = await signCommit({ did: job.did, version: 3, rev: job.rev, prev: null, data: root }, keypair)
  const commitBytes = dagCbor.encode(commit)
  const commitCid = cidOf(commitBytes)

  let car: Uint8Array
  if (job.blockOrder === 'walk') {
    await storage.putMany(nodes)
    for (const [cid, bytes] of leaves) await storage.putBlock(cid as never, bytes)
    await storage.putBlock(commitCid as never, commitBytes)
    car = await concatBytesAsync(getFullRepo(storage, commitCid as never))
  } else {
    // A PDS streams its block table in CID order (descending), not as a tree walk. Identical
    // records share a block, as they do in a PDS's table.
    const blocks: [CID, Uint8Array][] = [[commitCid, commitBytes], ...leaves]
    for (const { cid, bytes } of nodes.entries()) blocks.push([cid as unknown as CID, bytes])
    blocks.sort((a, b) => Buffer.compare(b[0].bytes, a[0].bytes))
    car = carBytes(commitCid, blocks.filter((b, i) => i === 0 || Buffer.compare(b[0].bytes, blocks[i - 1]![0].bytes) !== 0))
  }
  writeFileSync(job.file, car)
  return { idx: job.idx, head: commitCid.toString(), signingKey: keypair.did(), bytes: car.byteLength, mstNodes: nodes.size }
}

/** Verifies a CAR (hashes, MST, signature) and compares its records per collection to the manifest's. */
export async function verifyRepoFile (job: VerifyJob): Promise<string | undefined> {
  const verified = await verifyRepoCar(readFileSync(job.file), job.did, job.signingKey)
  const found: Record<string, number> = {}
  for (const write of verified.creates) found[write.collection] = (found[write.collection] ?? 0) + 1
  const a = JSON.stringify(Object.entries(found).sort())
  const b = JSON.stringify(Object.entries(job.byCollection).sort())
  return a === b ? undefined : `${job.did}: records per collection ${a}, manifest says ${b}`
}

function workerMain (): void {
  const port = parentPort!
  // One job at a time, in arrival order.
  let chain = Promise.resolve()
  port.on('message', (msg: ToBuilder) => {
    chain = chain.then(async () => {
      try {
        if (msg.kind === 'build') {
          port.postMessage({ kind: 'built', repo: await buildRepo(msg.job) } satisfies FromBuilder)
        } else {
          port.postMessage({ kind: 'verified', did: msg.job.did, problem: await verifyRepoFile(msg.job) } satisfies FromBuilder)
        }
      } catch (err) {
        port.postMessage({ kind: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies FromBuilder)
      }
    })
  })
}

if ((workerData as { role?: string } | null)?.role === 'repo-builder') workerMain()
