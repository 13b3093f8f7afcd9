import type { Client } from '@opensearch-project/opensearch'
import type { Logger } from '#/log.js'
import { bulkRejections, bulkRequests, type BulkRejection } from '#/metrics.js'

/**
 * One write for OpenSearch's `_bulk`: the action line and, except for deletes, its body
 * (already serialized: the byte size decides batching, and nothing is serialized twice).
 */
export interface BulkOp {
  action: BulkAction
  /** The document of an `index` action, serialized. */
  body?: string
  /** The body of an `update` action (script, upsert…); the helper wants it as an object. */
  update?: Record<string, unknown>
  /** What the op is about (an AT URI or a DID), for logs when OpenSearch refuses it. */
  ref: string
}

export type BulkAction =
  | { index: { _index: string; _id: string; version?: number; version_type?: 'external' | 'external_gte' } }
  | { update: { _index: string; _id: string; retry_on_conflict?: number } }
  | { delete: { _index: string; _id: string; version?: number; version_type?: 'external' } }

export interface BulkWriterOptions<T> {
  client: Client
  log: Logger
  /** Seal a batch once its bodies reach this many bytes… */
  flushBytes: number
  /** …or this long after its first op, whichever comes first (bounds event→searchable latency). */
  flushMs: number
  /** Bulk requests in flight at once. */
  maxInFlight: number
  /** Sealed batches allowed to wait behind those in flight before `ready()` makes callers wait. */
  maxQueued?: number
  /** Called in order, once everything added before `checkpoint(token)` is acknowledged. */
  onCheckpoint?: (token: T) => void | Promise<void>
  /**
   * Two checkpoints that fall in one batch are reported once. By default the later token
   * stands for both (a stream position); backfill merges them (a list of finished repos).
   */
  mergeCheckpoints?: (earlier: T, later: T) => T
}

export interface BulkStats {
  ops: number
  acked: number
  /** Version conflicts: the index already holds the same or a newer revision (replays, late events). */
  stale: number
  /** Refused by OpenSearch for the document itself (e.g. a mapping error): logged with its ref. */
  rejected: number
  retriedOps: number
  requests: number
  bytes: number
}

interface Batch<T> {
  ops: BulkOp[]
  bytes: number
  checkpoint?: { token: T }
  done: boolean
}

const RETRY_BASE_MS = 200
const RETRY_MAX_MS = 30_000

/**
 * Batches writes by bytes and by time, keeps a bounded number of bulk requests in flight,
 * retries what can succeed later (429s, 5xx, lost connections) with backoff until it does,
 * and reports checkpoints strictly in order, only after every earlier write is acknowledged.
 * That ordering is what lets the firehose cursor be persisted without ever skipping an event.
 *
 * Each sealed batch is moved by the client's bulk helper; a failed request is retried whole,
 * which is safe because every record write carries its repo revision as external version.
 */
export class BulkWriter<T = number> {
  readonly stats: BulkStats = { ops: 0, acked: 0, stale: 0, rejected: 0, retriedOps: 0, requests: 0, bytes: 0 }
  private current: Batch<T> = newBatch()
  private readonly batches: Batch<T>[] = []
  private readonly queued: Batch<T>[] = []
  private inFlight = 0
  private timer: NodeJS.Timeout | undefined
  private waiters: (() => void)[] = []
  private closed = false
  private readonly maxQueued: number

  constructor(private readonly opts: BulkWriterOptions<T>) {
    this.maxQueued = opts.maxQueued ?? opts.maxInFlight * 2
  }

  add(op: BulkOp): void {
    if (this.closed) throw new Error('BulkWriter is closed')
    this.current.ops.push(op)
    this.current.bytes += (op.body?.length ?? (op.update ? 400 : 0)) + 120
    this.stats.ops++
    if (this.current.bytes >= this.opts.flushBytes) this.seal()
    else this.armTimer()
  }

  /** Everything added so far must be acknowledged before `token` is reported. */
  checkpoint(token: T): void {
    const earlier = this.current.checkpoint
    const merge = this.opts.mergeCheckpoints
    this.current.checkpoint = { token: earlier && merge ? merge(earlier.token, token) : token }
    this.armTimer()
  }

  /** Resolves when there is room for more writes (back-pressure for the reader), else undefined. */
  ready(): Promise<void> | undefined {
    if (this.queued.length < this.maxQueued) return undefined
    return new Promise((resolve) => this.waiters.push(resolve))
  }

  /** Seal what is pending and wait until every batch is acknowledged and reported. */
  async flush(): Promise<void> {
    this.seal()
    while (this.batches.length > 0) {
      await new Promise<void>((resolve) => this.waiters.push(resolve))
    }
  }

  async close(): Promise<void> {
    await this.flush()
    this.closed = true
  }

  get pendingBatches(): number {
    return this.batches.length + (this.current.ops.length > 0 || this.current.checkpoint ? 1 : 0)
  }

  private armTimer(): void {
    if (this.timer) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.seal()
    }, this.opts.flushMs)
  }

  private seal(): void {
    if (this.timer) {
      clearTimeout(this.timer)
      this.timer = undefined
    }
    const batch = this.current
    if (batch.ops.length === 0 && !batch.checkpoint) return
    this.current = newBatch()
    this.batches.push(batch)
    if (batch.ops.length === 0) {
      batch.done = true
      void this.settle()
      return
    }
    this.queued.push(batch)
    this.pump()
  }

  private pump(): void {
    while (this.inFlight < this.opts.maxInFlight && this.queued.length > 0) {
      const batch = this.queued.shift()!
      this.inFlight++
      this.wake()
      void this.send(batch).then(() => {
        this.inFlight--
        batch.done = true
        this.pump()
        return this.settle()
      })
    }
  }

  /** Report the checkpoints of the acknowledged prefix of batches, in order. */
  private settling = false
  private async settle(): Promise<void> {
    if (this.settling) return
    this.settling = true
    try {
      while (this.batches.length > 0 && this.batches[0]!.done) {
        const batch = this.batches.shift()!
        if (batch.checkpoint && this.opts.onCheckpoint) {
          try {
            await this.opts.onCheckpoint(batch.checkpoint.token)
          } catch (err) {
            this.opts.log.error({ err }, 'checkpoint handler failed')
          }
        }
      }
    } finally {
      this.settling = false
    }
    this.wake()
  }

  private wake(): void {
    const waiters = this.waiters
    this.waiters = []
    for (const w of waiters) w()
  }

  /** Send one batch until every op is acknowledged, stale, or refused for its own content. */
  private async send(batch: Batch<T>): Promise<void> {
    let pending = batch.ops
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await sleep(backoffMs(attempt))
      const retry: BulkOp[] = []
      // Built on the first dropped item only: most batches go through without one.
      let byKey: Map<string, BulkOp[]> | undefined
      // Counted per request, not per item: a replay can drop thousands of stale items at once.
      const rejected = new Map<BulkRejection, number>()
      const reject = (reason: BulkRejection, n = 1) => rejected.set(reason, (rejected.get(reason) ?? 0) + n)
      const started = performance.now()
      try {
        this.stats.requests++
        this.stats.bytes += pending.reduce((n, op) => n + (op.body?.length ?? 0), 0)
        const result = await this.opts.client.helpers.bulk<BulkOp>({
          datasource: pending,
          // Pre-serialized bodies: the helper sends a string payload as it is. For updates it
          // merges `{ doc: <datasource item>, ...payload }`, so `doc` is blanked out explicitly.
          onDocument: (op) =>
            (op.update ? [op.action, { doc: undefined, ...op.update }] : op.body === undefined ? op.action : [op.action, op.body]) as never,
          flushBytes: Number.MAX_SAFE_INTEGER,
          flushInterval: 3_600_000,
          concurrency: 1,
          // Items turned away for load come back through onDrop and are retried below, with this
          // writer's backoff: so one call is one `_bulk` request (what bulkRequests times), and
          // every 429 is counted, not only those the helper gave up on.
          retries: 0,
          onDrop: (dropped) => {
            byKey ??= indexOps(pending)
            const op = takeOp(byKey, dropped.operation as BulkAction)
            const ref = op?.ref ?? JSON.stringify(dropped.operation)
            if (dropped.status === 409) {
              this.stats.stale++
              reject('version_conflict')
            } else if (dropped.status === 429 || dropped.status >= 500 || dropped.error?.type === 'cluster_block_exception') {
              // A write block is temporary: `magpie reindex` holds one on an index while it copies
              // the last writes over, then moves the name to the new index.
              reject(dropped.status === 429 ? 'too_many_requests' : 'unavailable')
              if (op) retry.push(op)
            } else {
              this.stats.rejected++
              reject('refused')
              this.opts.log.error(
                { ref, status: dropped.status, reason: dropped.error?.reason, type: dropped.error?.type },
                'OpenSearch refused a document',
              )
            }
          },
        })
        this.stats.acked += result.successful
        bulkRequests.observe({ outcome: retry.length > 0 ? 'retry' : 'ok' }, (performance.now() - started) / 1000)
      } catch (err) {
        bulkRequests.observe({ outcome: 'failed' }, (performance.now() - started) / 1000)
        // A connection lost before any answer leaves the status null.
        const status = (err as { meta?: { statusCode?: number | null } }).meta?.statusCode ?? undefined
        if (status !== undefined && status >= 400 && status < 500 && status !== 429) {
          // OpenSearch refused the request itself, so resending it as it is would fail forever:
          // bisect until the offending op stands alone, and drop only that one.
          pending = await this.isolateRefused(pending, err)
          attempt = -1
          continue
        }
        // The request itself failed (connection lost, node restarting, 5xx): resend it all.
        reject(status === 429 ? 'too_many_requests' : status === undefined ? 'no_answer' : 'unavailable', pending.length)
        this.stats.retriedOps += pending.length
        this.opts.log.warn({ err: errorSummary(err), ops: pending.length, attempt }, 'bulk request failed; retrying')
        continue
      } finally {
        for (const [reason, n] of rejected) bulkRejections.inc({ reason }, n)
      }
      if (retry.length > 0) {
        this.stats.retriedOps += retry.length
        this.opts.log.warn({ ops: retry.length, attempt }, 'bulk items rejected for load; retrying')
      }
      pending = retry
    }
  }

  /** Send each half of a refused request separately; returns the ops still to send. */
  private async isolateRefused(ops: BulkOp[], err: unknown): Promise<BulkOp[]> {
    if (ops.length === 1) {
      this.stats.rejected++
      bulkRejections.inc({ reason: 'refused' })
      this.opts.log.error({ ref: ops[0]!.ref, err: errorSummary(err) }, 'OpenSearch refused a request for this op; dropped')
      return []
    }
    const mid = Math.ceil(ops.length / 2)
    await this.send({ ops: ops.slice(0, mid), bytes: 0, done: false })
    return ops.slice(mid)
  }
}

function newBatch<T>(): Batch<T> {
  return { ops: [], bytes: 0, done: false }
}

function actionKey(action: BulkAction): string {
  const meta = 'index' in action ? action.index : 'update' in action ? action.update : action.delete
  return `${meta._index}\u0000${meta._id}`
}

function indexOps(ops: BulkOp[]): Map<string, BulkOp[]> {
  const map = new Map<string, BulkOp[]>()
  for (const op of ops) {
    const key = actionKey(op.action)
    const list = map.get(key)
    if (list) list.push(op)
    else map.set(key, [op])
  }
  return map
}

function takeOp(byKey: Map<string, BulkOp[]>, action: BulkAction): BulkOp | undefined {
  return byKey.get(actionKey(action))?.shift()
}

function backoffMs(attempt: number): number {
  const exp = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (attempt - 1))
  return exp / 2 + Math.random() * (exp / 2)
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function errorSummary(err: unknown): Record<string, unknown> {
  if (err && typeof err === 'object') {
    const e = err as { name?: string; message?: string; meta?: { statusCode?: number } }
    return { name: e.name, message: e.message, status: e.meta?.statusCode }
  }
  return { message: String(err) }
}
