import type { Client } from '@opensearch-project/opensearch'
import { parseAccount, parseSync } from '@atproto/sync'
import { BulkWriter } from '#/indexing/bulk-writer.js'
import { actorAccountOp, actorIdentityPendingOp, actorSeenOp, repoResyncOp } from '#/indexing/operations.js'
import { describe, readFirehose, type FirehoseMessage } from '#/ingest/firehose-reader.js'
import { opsForCommit } from '#/ingest/commit-ops.js'
import { readDeletedRecords } from '#/ingest/deleted-records.js'
import { readCommitTrusted, type CommitMessage, type CommitResult, type CommitVerifier } from '#/ingest/commit-verifier.js'
import { readAhead } from '#/ingest/read-ahead.js'
import type { IdentityWorker } from '#/ingest/identity-worker.js'
import type { LivePriority } from '#/ingest/live-priority.js'
import type { Logger } from '#/log.js'
import { badFrames, worldFiltered, firehoseCursor, firehoseEventTime, firehoseEvents, firehoseLag, recordsSkipped } from '#/metrics.js'
import { SavedCursor, StateStore, cursorKey } from '#/store/state.js'
import type { WorldFilter } from '#/world/filter.js'
import type { WorldKeeper } from '#/world/keeper.js'

export interface LiveIngestOptions {
  client: Client
  log: Logger
  prefix: string
  /** Relay or PDS, ws:// or wss://. */
  service: string
  /** Start here instead of the persisted cursor. */
  cursor?: number
  /** Stop after this many seconds without a message (tests, one-shot catch-up runs). */
  exitWhenIdleSec?: number
  signal?: AbortSignal
  identity: IdentityWorker
  /** When set, commits are checked against their author's signing key; otherwise the relay is trusted. */
  verifier?: CommitVerifier
  flushBytes: number
  flushMs: number
  maxInFlight: number
  /** Shared with a backfill in the same process, which then yields to live ingest. */
  priority?: LivePriority
  /** A small world: what of the network to keep (world/keeper.ts); unset keeps everything. */
  world?: WorldKeeper
}

export interface LiveIngestSummary {
  events: number
  lastSeq?: number
  ackedCursor?: number
  ops: number
  stale: number
  rejected: number
}

/** Lag as the status page shows it: how far behind the event's own time stamp we handle it. */
function noteEventTime(time: unknown): void {
  const ms = typeof time === 'string' ? Date.parse(time) : NaN
  if (Number.isNaN(ms)) return
  firehoseEventTime.set(ms / 1000)
  firehoseLag.set(Math.max(0, (Date.now() - ms) / 1000))
}

/**
 * Live ingest: firehose → decode → (verify) → transform → bulk writer. Messages are handled in
 * order; the cursor saved in OpenSearch only ever names an event whose writes, and those of
 * every event before it, OpenSearch has acknowledged. A restart resumes from there: events after
 * it are replayed, and replays are harmless because every write is versioned by repo revision.
 */
export async function runLiveIngest(opts: LiveIngestOptions): Promise<LiveIngestSummary> {
  const { client, log, prefix } = opts
  const cursor = await SavedCursor.load(new StateStore(client, prefix), cursorKey(opts.service), 'cursor', log, opts.cursor)
  let handledCursor = cursor.value
  let events = 0

  const writer = new BulkWriter<number>({
    client,
    log: log.child({ component: 'bulk' }),
    flushBytes: opts.flushBytes,
    flushMs: opts.flushMs,
    maxInFlight: opts.maxInFlight,
    onCheckpoint: (seq) => {
      cursor.advance(seq)
      firehoseCursor.set(seq)
    },
  })
  opts.identity.attach(writer)
  opts.world?.attach(() => writer.flush())

  const stop = new AbortController()
  opts.signal?.addEventListener('abort', () => stop.abort(), { once: true })
  let idleTimer: NodeJS.Timeout | undefined
  const armIdle = (): void => {
    if (!opts.exitWhenIdleSec) return
    clearTimeout(idleTimer)
    idleTimer = setTimeout(() => {
      log.info({ idleSec: opts.exitWhenIdleSec }, 'firehose idle; stopping')
      stop.abort()
    }, opts.exitWhenIdleSec * 1000)
  }
  armIdle()

  log.info({ service: opts.service, cursor: cursor.value }, 'live ingest starting')
  const reader = readFirehose({
    service: opts.service,
    // A reconnect continues after what was handed to the writer: the writer never drops a write.
    getCursor: () => handledCursor,
    signal: stop.signal,
    log: log.child({ component: 'firehose' }),
    onBadFrame: (reason, seq) => {
      badFrames.inc()
      log.warn({ seq, reason }, 'skipping firehose frame')
    },
    prefilter: opts.world && ((type, body) => worldMayKeep(opts.world!.current(), type, body)),
  })

  try {
    for await (const { msg, verified } of verifiedAhead(reader, opts.verifier)) {
      // The idle clock runs only while we wait for the next message: handling one may wait on
      // OpenSearch (back-pressure, reading back a deleted record), which is not idleness.
      clearTimeout(idleTimer)
      events++
      firehoseEvents.inc({ type: msg.type })
      noteEventTime(msg.body.time)
      if (msg.seq !== undefined && cursor.value === undefined) {
        // No cursor yet: this run began at the live tail. Remember where, at once, so a crash
        // before the first checkpoint resumes here instead of at a later live tail (a gap).
        cursor.advance(msg.seq - 1)
        await cursor.save()
      }
      if (msg.filtered) worldFiltered.inc()
      else await handleMessage(msg, opts, writer, verified)
      // A frame replayed after later ones is handled (harmlessly: writes are versioned) but never moves the cursor back.
      if (msg.seq !== undefined && (handledCursor === undefined || msg.seq > handledCursor)) {
        handledCursor = msg.seq
        writer.checkpoint(msg.seq)
      }
      const wait = writer.ready()
      if (wait) {
        opts.priority?.liveBlocked(wait)
        await wait
      }
      armIdle()
    }
  } catch (err) {
    if (!stop.signal.aborted) throw err
  } finally {
    clearTimeout(idleTimer)
    stop.abort() // ends the firehose when the loop ended otherwise (an error): nothing reads ahead any more
    // Verifications still under way are not waited for: the content they concern is served
    // already, and what is left undone stays marked pending for the next run.
    await opts.identity.stop()
    await writer.close()
    await cursor.close()
  }
  log.info({ events, cursor: cursor.value, ...writer.stats }, 'live ingest stopped')
  return {
    events,
    lastSeq: handledCursor,
    ackedCursor: cursor.value,
    ops: writer.stats.ops,
    stale: writer.stats.stale,
    rejected: writer.stats.rejected,
  }
}

/** A commit's verification started ahead of its turn, settled either way (never an unhandled rejection). */
type Settled<T> = { value: T } | { error: unknown }

/** Commits checked at most this many frames and bytes ahead of the one being handled. */
const VERIFY_AHEAD_FRAMES = 512
const VERIFY_AHEAD_BYTES = 16 * 1024 * 1024

/**
 * With a verifier, each commit's checks — its author's signing key (a PLC round trip for a DID
 * seen for the first time) and the proof checks (worker threads) — start as soon as the frame
 * is read, up to a bounded window ahead of the frame being handled: a new DID's resolution then
 * overlaps with the frames before it instead of stalling the stream, and several commits are
 * checked at once. Frames are still handled, written and checkpointed in stream order.
 */
async function* verifiedAhead(
  reader: AsyncIterable<FirehoseMessage>,
  verifier: CommitVerifier | undefined,
): AsyncGenerator<{ msg: FirehoseMessage; verified?: Promise<Settled<CommitResult>> }> {
  if (!verifier) {
    for await (const msg of reader) yield { msg }
    return
  }
  const ahead = readAhead(reader, {
    maxItems: VERIFY_AHEAD_FRAMES,
    maxBytes: VERIFY_AHEAD_BYTES,
    sizeOf: (msg) => (msg.body.blocks instanceof Uint8Array ? msg.body.blocks.byteLength : 0) + 256,
    start: (msg) =>
      msg.type === 'commit' && !msg.filtered
        ? verifier.verify(msg.body as unknown as CommitMessage).then(
            (value) => ({ value }),
            (error: unknown) => ({ error }),
          )
        : undefined,
  })
  for await (const { item, started } of ahead) yield { msg: item, verified: started }
}

/** Whether a small world could keep anything of this message, from its unvalidated body alone. */
function worldMayKeep(filter: WorldFilter | undefined, type: string, body: Record<string, unknown>): boolean {
  if (!filter) return true
  if (type === 'commit') {
    if (typeof body.repo !== 'string' || !Array.isArray(body.ops)) return true
    return filter.mayKeepCommit(body.repo, body.ops as { action?: unknown; path?: unknown }[], body.blocks instanceof Uint8Array ? body.blocks : undefined)
  }
  const did = type === 'identity' || type === 'account' || type === 'sync' ? body.did : undefined
  return typeof did !== 'string' || filter.mayKeepAccount(did)
}

async function handleMessage(
  msg: FirehoseMessage,
  opts: LiveIngestOptions,
  writer: BulkWriter<number>,
  verified?: Promise<Settled<CommitResult>>,
): Promise<void> {
  const { log, prefix } = opts
  const body = msg.body as any
  try {
    switch (msg.type) {
      case 'commit': {
        const result = verified ? settledValue(await verified) : opts.verifier ? await opts.verifier.verify(body) : readCommitTrusted(body)
        if (!result.ok) {
          badFrames.inc()
          log.warn({ seq: msg.seq, did: body.repo, reason: result.reason }, 'commit refused; skipped')
          return
        }
        for (const s of result.skipped) {
          recordsSkipped.inc({ collection: 'other', reason: 'unreadable-op' })
          log.warn({ seq: msg.seq, did: body.repo, path: s.path, reason: s.reason }, 'record operation not indexed')
        }
        const filter = opts.world?.current()
        if (filter) {
          const kept = await filter.keepOps(body.repo, result.ops)
          opts.world!.changed(kept)
          if (kept.ops.length === 0) return
          result.ops = kept.ops
        }
        const deleted = await readDeletedRecords(opts.client, prefix, result.ops, () => writer.flush(), log)
        const indexedAt = new Date().toISOString()
        // Ahead of the records, so that they are never indexed for an account that is not there.
        if (opts.identity.noticeDid(body.repo)) writer.add(actorSeenOp(prefix, body.repo))
        for (const op of opsForCommit(prefix, result.ops, indexedAt, log, deleted, typeof body.time === 'string' ? body.time : undefined)) writer.add(op)
        return
      }
      case 'identity':
        opts.world?.forgetHost(body.did)
        // Handle verification is network I/O: it happens beside the stream, never in its way.
        writer.add(actorIdentityPendingOp(prefix, body.did, Date.parse(body.time)))
        opts.identity.enqueue(body.did, Date.parse(body.time))
        return
      case 'account': {
        const evt = parseAccount(body)
        if (!evt) {
          log.warn({ seq: msg.seq, did: body.did, status: body.status }, 'account event with an unknown status; skipped')
          return
        }
        writer.add(actorAccountOp(prefix, evt.did, Date.parse(evt.time), { active: evt.active, status: evt.status }))
        return
      }
      case 'sync': {
        // The repo's state was reset to a new commit: its records must be re-read from the repo,
        // which is the backfill's job; remember that it is due.
        const evt = await parseSync(body)
        if (evt) writer.add(repoResyncOp(prefix, evt.did, evt.rev))
        return
      }
      case 'info':
        log.info({ name: body.name, message: body.message }, 'firehose info')
        return
    }
  } catch (err) {
    badFrames.inc()
    log.warn({ seq: msg.seq, type: msg.type, reason: describe(err) }, 'could not handle firehose event; skipped')
  }
}

function settledValue<T>(settled: Settled<T>): T {
  if ('error' in settled) throw settled.error
  return settled.value
}
