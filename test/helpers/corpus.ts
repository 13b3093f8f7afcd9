// Loaders for the captured real-network corpus (relay frames, DID documents and the matching
// Jetstream v1 output) and the real repo CARs, vendored in test/fixtures (see SOURCES.md there).
import { readFileSync } from 'node:fs'
import { zstdDecompressSync } from 'node:zlib'
import { fixturePath } from './test-data.js'

const file = (name: string) => fixturePath('jetstream-corpus-2026-07-04', name)

/** The real repo CARs (test/fixtures/repo-cars). */
export function repoCarsDir (): string {
  return fixturePath('repo-cars')
}

/**
 * The raw relay WebSocket messages, byte for byte: each is a DAG-CBOR header
 * followed by a DAG-CBOR body. On disk: zstd of repeated [u32 LE length][bytes].
 */
export function loadRelayFrames (): Uint8Array[] {
  const buf = zstdDecompressSync(readFileSync(file('frames.bin.zst')))
  const frames: Uint8Array[] = []
  let off = 0
  while (off < buf.length) {
    if (off + 4 > buf.length) throw new Error(`truncated frame length at byte ${off}`)
    const len = buf.readUInt32LE(off)
    off += 4
    if (off + len > buf.length) throw new Error(`truncated frame at byte ${off}`)
    // Copy so callers can hold frames without pinning the whole buffer.
    frames.push(new Uint8Array(buf.subarray(off, off + len)))
    off += len
  }
  return frames
}

export type DidDocument = {
  '@context'?: string[]
  id: string
  alsoKnownAs?: string[]
  verificationMethod?: {
    id: string
    type: string
    controller: string
    publicKeyMultibase?: string
  }[]
  service?: { id: string, type: string, serviceEndpoint: string }[]
}

/** DID -> DID document (from plc.directory at capture time), for every commit DID. */
export function loadDidDocs (): Record<string, DidDocument> {
  const json = zstdDecompressSync(readFileSync(file('did_docs.json.zst'))).toString('utf8')
  return JSON.parse(json) as Record<string, DidDocument>
}

export type JetstreamCommit =
  | {
      rev: string
      operation: 'create' | 'update'
      collection: string
      rkey: string
      record: Record<string, unknown> & { $type: string }
      cid: string
    }
  | { rev: string, operation: 'delete', collection: string, rkey: string }

type JetstreamBase = { did: string, time_us: number }

export type JetstreamEvent =
  | (JetstreamBase & { kind: 'commit', commit: JetstreamCommit })
  | (JetstreamBase & { kind: 'identity', identity: { did: string, seq: number, time: string, handle?: string } })
  | (JetstreamBase & {
      kind: 'account'
      account: { did: string, seq: number, time: string, active: boolean, status?: string }
    })

/** Production Jetstream v1's view of the same window, one event per line. */
export function loadExpectedJetstream (): JetstreamEvent[] {
  return readFileSync(file('expected_v1.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as JetstreamEvent)
}

export type CorpusManifest = {
  captured_at: string
  relay_url: string
  jetstream_url: string
  seq_first: number
  seq_last: number
  frames: number
  commit_frames: number
  v1_events: number
  creates: number
  updates: number
  deletes: number
  identity: number
  account: number
  commit_dids: string[]
}

export function loadManifest (): CorpusManifest {
  return JSON.parse(readFileSync(file('manifest.json'), 'utf8')) as CorpusManifest
}

/** Counts like 'create app.bsky.feed.like', 'identity', 'account'. */
export function countJetstream (events: JetstreamEvent[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const e of events) {
    const key = e.kind === 'commit' ? `${e.commit.operation} ${e.commit.collection}` : e.kind
    counts[key] = (counts[key] ?? 0) + 1
  }
  return counts
}
