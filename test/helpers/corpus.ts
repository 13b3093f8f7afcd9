// Loaders for the captured real-network corpus (relay frames, DID documents
// and the matching Jetstream v1 output) kept outside the repo in
// <repo>/../shared/data. Read in place: never copy these files into the repo.
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { zstdDecompressSync } from 'node:zlib'

const CORPUS = 'jetstream-corpus-2026-07-04'

/** Directory holding the corpus; MAGPIE_CORPUS_DIR overrides the lookup. */
export function corpusDir (): string {
  const fromEnv = process.env.MAGPIE_CORPUS_DIR
  if (fromEnv) return fromEnv
  // This file is <repo>/test/helpers/corpus.ts and the data sits beside the
  // repo; walking up also covers worktrees nested deeper than the main clone.
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const candidate = path.join(dir, 'shared', 'data', CORPUS)
    if (existsSync(candidate)) return candidate
    const parent = path.dirname(dir)
    if (parent === dir) break
    dir = parent
  }
  throw new Error(`corpus ${CORPUS} not found above ${fileURLToPath(import.meta.url)}; set MAGPIE_CORPUS_DIR`)
}

export function corpusAvailable (): boolean {
  try {
    corpusDir()
    return true
  } catch {
    return false
  }
}

const file = (name: string) => path.join(corpusDir(), name)

/** The real repo CARs (shared/data/repo-cars), beside the relay corpus. */
export function repoCarsDir (): string {
  return path.join(path.dirname(corpusDir()), 'repo-cars')
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
