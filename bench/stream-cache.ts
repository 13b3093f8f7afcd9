/**
 * The on-disk form of a generated firehose stream (see gen-stream.ts), shared by the
 * generator and the benchmarks that replay it.
 *
 * A stream is three files under .local/bench-cache/ (git-ignored), named by its parameters:
 *   <name>.frames.zst   zstd of repeated [u32 LE length][frame], a frame being exactly one relay
 *                       WebSocket message (DAG-CBOR header + DAG-CBOR body)
 *   <name>.did-docs.json.zst  DID → DID document, for a static PLC
 *   <name>.manifest.json  what the stream holds and what indexing it must produce
 */
import { createReadStream, existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createZstdDecompress, zstdDecompressSync } from 'node:zlib'

/** Bump when the generator's output changes shape, so stale caches are not reused. */
export const GEN_VERSION = 1

/** MAGPIE_BENCH_CACHE moves it (a checkout whose .local is shared with another's, a scratch disk). */
export const CACHE_DIR = process.env.MAGPIE_BENCH_CACHE
  ? path.resolve(process.env.MAGPIE_BENCH_CACHE)
  : path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../.local/bench-cache')

export interface StreamParams {
  accounts: number
  events: number
  seed: number
  /** Share of accounts with a P-256 signing key (the rest are secp256k1). */
  p256Share: number
  /**
   * Simulated time the window's events span, in days (their rkeys, revs and `time`), ending now.
   * Unset: 2,000 events per simulated second (a burst). Set, e.g. 7: a week of traffic, for retention.
   */
  spanDays?: number
}

export function streamName(p: StreamParams): string {
  const span = p.spanDays ? `-d${p.spanDays}` : ''
  return `stream-a${p.accounts}-e${p.events}-s${p.seed}-p${Math.round(p.p256Share * 100)}${span}-v${GEN_VERSION}`
}

export function streamFiles(p: StreamParams, dir = CACHE_DIR): { frames: string; didDocs: string; manifest: string } {
  const base = path.join(dir, streamName(p))
  return { frames: `${base}.frames.zst`, didDocs: `${base}.did-docs.json.zst`, manifest: `${base}.manifest.json` }
}

export interface StreamManifest {
  version: number
  params: StreamParams
  generatedAt: string
  generationSec: number
  seqFirst: number
  seqLast: number
  frames: number
  frameBytes: number
  /** 'create app.bsky.feed.like', 'delete app.bsky.feed.post', 'identity', 'account', 'commit' … */
  counts: Record<string, number>
  /** Records already in the repos before the window (never sent as events). */
  prepopulatedRecords: number
  keyTypes: Record<string, number>
  expected: {
    /** Record operations in the stream (creates + updates + deletes). */
    recordOps: number
    /** Distinct record URIs the stream touches: each ends as one document (live or tombstone). */
    recordDocs: number
    /** Of those, the ones whose last operation is not a delete. */
    liveRecordDocs: number
    /** recordDocs by index base name (posts, likes, …). */
    byIndex: Record<string, number>
    liveByIndex: Record<string, number>
    /** Distinct DIDs that commit or have identity/account events: one actor document each. */
    actors: number
  }
  /** [seq, AT URI] of every 50th post created in the window and never deleted, for latency probes. */
  postSamples: [number, string][]
}

export function loadManifest(file: string): StreamManifest {
  return JSON.parse(readFileSync(file, 'utf8')) as StreamManifest
}

export function loadDidDocs(file: string): Record<string, unknown> {
  return JSON.parse(zstdDecompressSync(readFileSync(file)).toString('utf8')) as Record<string, unknown>
}

/**
 * Every frame of a stream file, in order (held in memory), or only the `count` frames from
 * index `from`: a replay of part of a large stream need not hold all of it.
 */
export async function loadFrames(file: string, window: { from?: number; count?: number } = {}): Promise<Uint8Array[]> {
  const frames: Uint8Array[] = []
  const from = window.from ?? 0
  const end = window.count === undefined ? Infinity : from + window.count
  let index = 0
  let pending: Buffer = Buffer.alloc(0)
  const input = createReadStream(file).pipe(createZstdDecompress())
  for await (const chunk of input as AsyncIterable<Buffer>) {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
    let off = 0
    while (off + 4 <= pending.length) {
      const len = pending.readUInt32LE(off)
      if (off + 4 + len > pending.length) break
      // A copy: frames must not pin the decompressor's chunks.
      if (index >= from && index < end) frames.push(new Uint8Array(pending.subarray(off + 4, off + 4 + len)))
      index++
      off += 4 + len
    }
    pending = pending.subarray(off)
  }
  if (pending.length > 0) throw new Error(`${file}: ${pending.length} trailing bytes (truncated stream)`)
  return frames
}

export function streamExists(p: StreamParams): boolean {
  const f = streamFiles(p)
  return existsSync(f.frames) && existsSync(f.didDocs) && existsSync(f.manifest)
}

/** The command-line options that name a cached stream, shared by every bench script. */
export const streamOptions = {
  accounts: { type: 'string', default: '2000' },
  events: { type: 'string', default: '300000' },
  seed: { type: 'string', default: '1' },
  p256: { type: 'string', default: '0.1' },
  'span-days': { type: 'string' },
} as const

export function streamParamsFrom(values: { accounts?: string; events?: string; seed?: string; p256?: string; 'span-days'?: string }): StreamParams {
  const params: StreamParams = { accounts: Number(values.accounts), events: Number(values.events), seed: Number(values.seed), p256Share: Number(values.p256) }
  if (values['span-days'] !== undefined) params.spanDays = Number(values['span-days'])
  return params
}
