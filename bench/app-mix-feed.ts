/**
 * The generator record app-mix.ts's getFeed asks for. Magpie's getFeed reads a feed's generator
 * record to learn which service answers it, and the corpus has none naming Magpie; so the
 * benchmark publishes one the way the network would, as a commit on the firehose that live
 * ingest reads (the first frame of the relay's pass). The commit is not signed and carries no MST:
 * it is for trusted ingest (VERIFY_COMMITS=false), which reads only the CAR's record blocks.
 */
import * as dagCbor from '@ipld/dag-cbor'
import type { Client } from '@opensearch-project/opensearch'
import { atprotoDidDocument } from '#devnet/static-plc.js'
import { familyForCollection } from '#/indexing/families.js'
import { recordWriteOp } from '#/indexing/operations.js'
import { carBytes, cidOf, fakeCid, plcDid, tid } from './atproto-primitives.js'

export const FEED_PUBLISHER = plcDid('app-mix feed publisher')
const HANDLE = 'app-mix-feeds.test'

export function feedUri(rkey: string): string {
  return `at://${FEED_PUBLISHER}/app.bsky.feed.generator/${rkey}`
}

/** The publisher's DID document, for the PLC ingest resolves it from. */
export function feedPublisherDoc(signingKeyMultibase: string): Record<string, unknown> {
  return atprotoDidDocument(FEED_PUBLISHER, { handle: HANDLE, signingKeyMultibase, pds: 'https://pds.readbench.example' })
}

const GENERATOR = 'app.bsky.feed.generator'

function generatorRecord(opts: { rkey: string; serviceDid: string }, now: Date) {
  return { $type: GENERATOR, did: opts.serviceDid, displayName: `app-mix ${opts.rkey}`.slice(0, 24), createdAt: now.toISOString() }
}

/**
 * The generator record written straight into the corpus's index, as ingest indexes it: for runs
 * without live ingest (`--no-ingest`, `--trace`), whose getFeed would otherwise find no generator.
 * A newer copy already there (written by ingest) is kept.
 */
export async function plantFeedGenerator(client: Client, prefix: string, opts: { rkey: string; serviceDid: string }): Promise<void> {
  const now = new Date()
  const record = generatorRecord(opts, now)
  const input = { did: FEED_PUBLISHER, collection: GENERATOR, rkey: opts.rkey, cid: cidOf(dagCbor.encode(record)).toString(), record, indexedAt: now.toISOString() }
  const op = recordWriteOp(prefix, familyForCollection(GENERATOR), input, now.getTime() * 1000)
  const res = await client.bulk({ body: `${JSON.stringify(op.action)}\n${op.body}\n`, refresh: true } as any)
  const item = (res.body as any).items?.[0]?.index
  if (item?.error && item.status !== 409) throw new Error(`planting the feed generator failed: ${JSON.stringify(item.error)}`)
}

/** A `#commit` frame creating (or, with a newer rev, rewriting) the generator record `rkey`. */
export function feedGeneratorFrame(opts: { rkey: string; serviceDid: string; seq: number }): Uint8Array {
  const now = new Date()
  const record = generatorRecord(opts, now)
  const recordBytes = dagCbor.encode(record)
  const recordCid = cidOf(recordBytes)
  const rev = tid(now.getTime() * 1000, 0)
  const commitBytes = dagCbor.encode({ did: FEED_PUBLISHER, version: 3, rev, prev: null, data: fakeCid(`app-mix ${rev}`), sig: new Uint8Array(64) })
  const commitCid = cidOf(commitBytes)
  const body = {
    seq: opts.seq,
    rebase: false,
    tooBig: false,
    repo: FEED_PUBLISHER,
    commit: commitCid,
    rev,
    since: null,
    blocks: carBytes(commitCid, [[commitCid, commitBytes], [recordCid, recordBytes]]),
    ops: [{ action: 'create', path: `app.bsky.feed.generator/${opts.rkey}`, cid: recordCid }],
    blobs: [],
    time: now.toISOString(),
  }
  const header = dagCbor.encode({ op: 1, t: '#commit' })
  const bodyBytes = dagCbor.encode(body)
  const frame = new Uint8Array(header.length + bodyBytes.length)
  frame.set(header, 0)
  frame.set(bodyBytes, header.length)
  return frame
}
